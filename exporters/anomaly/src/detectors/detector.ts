/** The members of Vigil's detector (see novelty.ts); `anomaly_model_score{model}` carries each one's score. */
export type ModelName = 'range' | 'residual';

/** Why the latest sample scored as it did: each member's own score and the range the range member holds. */
export interface Explanation {
  /** The member whose score is the detector's. */
  model: ModelName;
  scores: Record<ModelName, number>;
  /** The range the series has kept lately: a sample outside it scores on the range member. */
  rangeLower: number;
  rangeUpper: number;
}

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
