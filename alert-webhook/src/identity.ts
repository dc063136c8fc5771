import { packageVersion, type ServiceIdentity } from '@vigil/service-kit';

/** The receiver's own metrics are `vigil_*`, and so are its build and reload series. */
export const IDENTITY: ServiceIdentity = {
  name: 'alert-webhook',
  metricPrefix: 'vigil',
  version: packageVersion(__dirname),
};
