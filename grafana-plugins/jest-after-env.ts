import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// findBy… and waitFor wait up to 5 s instead of 1 s: the app's pages load lazily, so a first render does
// its work while the query waits, and the machines that run these tests are shared. (Here, not in
// jest-setup.ts: loaded before jest's afterEach exists, Testing Library would not unmount after each test.)
configure({ asyncUtilTimeout: 5000 });
