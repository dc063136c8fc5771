import { createLogger, Runtime } from '@vigil/service-kit';

export const silentLog = createLogger('silent');

/** The process, Node.js, build and reload series that the service's /metrics begins with. */
export const testRuntime = () => new Runtime({ name: 'anomaly', metricPrefix: 'anomaly', version: '0.1.0' });

/** What /metrics serves after the runtime's series: the exporter's own. */
export const ownMetrics = (text: string) => text.slice(text.indexOf('# HELP anomaly_up '));

import { freePort, listenLocal, startHttp, tempDir } from '@vigil/testkit';

export { freePort as closedPort, listenLocal, startHttp, tempDir };
