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
