"use pure";
// Wrong on purpose: a "pure" module that hands out the wall clock and randomness under other
// names. The checker flags it here AND at every use in workflow code.
export const nowMs = Date.now;
export const { random: rand } = Math;
