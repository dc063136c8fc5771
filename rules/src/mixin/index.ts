/**
 * @vigil/rules as a library: the mixin config that rules, dashboards, panels and stacks are made from, and
 * the PromQL reader that checks them.
 */
export * from './config';
export * from './known-metrics';
export { HEALTH_PANEL_QUERIES } from './health';
export { PromqlError, selectors, vectorSelector, type Matcher, type Selector } from '../promql';
