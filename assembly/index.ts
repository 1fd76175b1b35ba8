// asgrad WebAssembly core: re-exports only. See each file for the kernels' contracts.
export { alloc, free, set_limit_bytes, heap_bytes, allocated_bytes, peak_allocated_bytes, reset_peak, meta_ptr } from "./memory";
export * from "./elementwise";
export * from "./reduce";
export * from "./matmul";
export * from "./movement";
export * from "./rng";
export * from "./peak";
export * from "./scan";
export * from "./activations";
export * from "./conv";
export * from "./init";
export * from "./optim";
export * from "./sched";
export * from "./safetensors";
export * from "./pool";
export * from "./pad";
export * from "./xlogy";
export * from "./masked";
