// Python's print() for the seed ports: True/False/None spelled as Python does, values space-separated.
export function print(...values: unknown[]): void {
  const out = values.map((v) => {
    if (v === null || v === undefined) return 'None';
    if (v === true) return 'True';
    if (v === false) return 'False';
    return String(v);
  });
  console.log(out.join(' '));
}
