/** What the bench page (BenchPage.tsx) offers the benchmark driver (bench/panel.ts). */
interface Window {
  /**
   * Renders the panel with `count` services: the ms from setting the data to the tiles painted, and to
   * React's commit (data processing and rendering, before layout and paint).
   */
  benchRender?: (count: number, seed: number) => Promise<{ totalMs: number; commitMs: number }>;
}
