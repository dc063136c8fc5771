/** @vigil/rules as a library: the mixin config that rules, dashboards, panels and stacks are made from. */
export * from './config';
export * from './known-metrics';
