import { DEFAULT_NOVELTY, NoveltyDetector, type NoveltySettings } from './novelty';

export function createDetector(stepMs: number, settings: NoveltySettings = DEFAULT_NOVELTY): NoveltyDetector {
  return new NoveltyDetector(stepMs, settings);
}
