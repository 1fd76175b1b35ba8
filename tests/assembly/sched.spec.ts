// The schedulers' scalar math (assembly/sched.ts) gives CPython's math.cos / ** / math.log values
// (glibc's, correctly rounded for these arguments), and C's pow edge cases.
import { sched_cos, sched_pow, sched_log } from "../../assembly/index";

describe("sched", () => {
  it("cos of the angles cosine annealing uses", () => {
    expect(sched_cos(3.141592653589793 / 6)).toBe(0.8660254037844387);
    expect(1 + sched_cos(3.141592653589793 * 7 / 8)).toBe(0.07612046748871326);
    expect(sched_cos(0)).toBe(1);
  });
  it("pow: gamma ** n, and C's pow(1, y) = pow(x, 0) = 1", () => {
    expect(sched_pow(0.5, 3)).toBe(0.125);
    expect(sched_pow(0.9, 10)).toBe(0.3486784401000001);
    expect(sched_pow(1, NaN)).toBe(1);
    expect(sched_pow(NaN, 0)).toBe(1);
  });
  it("log (CosineAnnealingWarmRestarts' cycle of an epoch)", () => {
    expect(sched_log(10)).toBe(2.302585092994046);
    expect(sched_log(5) / sched_log(2)).toBe(2.321928094887362);
  });
});
