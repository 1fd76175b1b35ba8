// The seed walkthrough: the seven ports in order.
export const EXAMPLES = [
  '01_chain_rule',
  '02_vector_backward',
  '03_stop_tracking',
  '04_grad_accumulation',
  '05_backprop_0d',
  '06_manual_gd',
  '07_autograd_gd',
] as const;
