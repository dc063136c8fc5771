import { TextDecoder, TextEncoder } from 'node:util';

// What Grafana's own jest setup gives components but jsdom lacks.
Object.defineProperty(window, 'matchMedia', {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }),
});

Object.assign(globalThis, { TextEncoder, TextDecoder });

// Combobox sizes its menu, and the bar gauge its text, with a canvas's measureText, which jsdom has no context for (as Grafana's own
// setup, a fixed width per character).
HTMLCanvasElement.prototype.getContext = function getContext() {
  return {
    // The bar gauge also reads the text's height.
    measureText: (text: string) => ({
      width: text.length * 8,
      actualBoundingBoxAscent: 10,
      actualBoundingBoxDescent: 3,
    }),
    font: '',
  };
} as unknown as HTMLCanvasElement['getContext'];

// The Combobox menu's scroll indicators watch their edges; jsdom lays nothing out, so nothing intersects.
class NoIntersections {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
Object.assign(globalThis, { IntersectionObserver: NoIntersections });
