// Python's exception names for the errors of nn (their messages are PyTorch's).

/** Python's KeyError (str() of it quotes the message). */
export class KeyError extends Error {
  override name = 'KeyError';
}

/** Python's IndexError. */
export class IndexError extends Error {
  override name = 'IndexError';
}

/** Python's ZeroDivisionError. */
export class ZeroDivisionError extends Error {
  override name = 'ZeroDivisionError';
}

/** Python's AssertionError (PyTorch's `assert cond, message` checks). */
export class AssertionError extends Error {
  override name = 'AssertionError';
}
