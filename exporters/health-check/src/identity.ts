import { packageVersion, type ServiceIdentity } from '@vigil/service-kit';

/** Its own series are `healthcheck_*`, and so are its build and reload series. */
export const IDENTITY: ServiceIdentity = {
  name: 'health-check',
  metricPrefix: 'healthcheck',
  version: packageVersion(__dirname),
};
