/** A detector's view of one sample, formed before the sample is learnt from. */
export interface Assessment {
  expected: number;
  lower: number;
  upper: number;
  /** 0 = ordinary, 1 = as anomalous as the detector can say. */
  score: number;
}

/**
 * A streaming detector for one series: fed samples in time order, each update costs O(1) amortised and
 * the state it keeps is bounded, so a long-running exporter never refits over its history.
 */
export interface Detector {
  update(timestampMs: number, value: number): Assessment;
}
