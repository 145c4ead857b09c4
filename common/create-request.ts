import type { HealthConfig } from './image-config';
import type { EndpointConfig } from './network-types';
import type { HostConfig } from './types';

/** What `create` accepts: Docker's create body, flattened to what we support. */
export interface CreateRequest {
  name?: string;
  image: string;
  /** absent or empty: the image's (unless an entrypoint is given) */
  cmd?: string[];
  /** absent: the image's; `[]` or `[""]`: none */
  entrypoint?: string[];
  /** user[:group]; absent: the image's */
  user?: string;
  /** absent: the image's, else SIGTERM */
  stopSignal?: string;
  /** --stop-timeout (seconds, 0 or more) */
  stopTimeout?: number;
  /** the create's healthcheck; `{ Test: ["NONE"] }` (--no-healthcheck) turns the image's off */
  healthcheck?: HealthConfig;
  env?: string[];
  workingDir?: string;
  hostname?: string;
  domainname?: string;
  tty?: boolean;
  /** -i: OpenStdin */
  openStdin?: boolean;
  /** StdinOnce (docker run -i attached) */
  stdinOnce?: boolean;
  exposedPorts?: string[];
  labels?: Record<string, string>;
  hostConfig?: Partial<HostConfig>;
  /** NetworkingConfig.EndpointsConfig: per network name, its aliases and the address asked for */
  endpoints?: Record<string, EndpointConfig>;
  /** Config.Volumes' paths (`-v /data`): an anonymous volume each, unless something else mounts there */
  volumes?: string[];
}
