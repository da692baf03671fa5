import type { GatewayConfig, UpstreamName } from '../config';
import { SIMULATED } from './defaults';
import { HuaweiIdentityStore } from './huawei-identity';
import { createIamSimulator } from './iam';
import { PipelineSimulator } from './pipeline';
import { ArtifactSimulator } from './artifact';
import { ComestriSimulator } from './comestri';
import { RtsSimulator } from './rts';
import { BandwidthSimulator } from './bandwidth';
import type { Simulator } from './simulator';

export { SIMULATED } from './defaults';

/** Every simulated upstream, listening on loopback. */
export interface SimulatedUpstreams {
  identities: HuaweiIdentityStore;
  iam: Simulator;
  pipeline: PipelineSimulator;
  artifact: ArtifactSimulator;
  comestri: ComestriSimulator;
  rts: RtsSimulator;
  bandwidth: BandwidthSimulator;
  /** Base URL of each simulator, by upstream name. */
  endpoints: Partial<Record<UpstreamName, string>>;
  all(): Simulator[];
  close(): Promise<void>;
}

/**
 * Starts all simulators on free loopback ports (or `basePort`, `basePort + 1`, ...), or on the
 * fixed port `ports` gives an upstream (the simulators' own entry point, docker-compose).
 */
export async function startSimulators(
  options: { host?: string; basePort?: number; ports?: Partial<Record<UpstreamName, number>> } = {},
): Promise<SimulatedUpstreams> {
  const identities = new HuaweiIdentityStore();
  const sims = {
    iam: createIamSimulator(identities),
    pipeline: new PipelineSimulator(identities),
    comestri: new ComestriSimulator(),
    rts: new RtsSimulator(identities),
    bandwidth: new BandwidthSimulator(),
    artifact: new ArtifactSimulator(identities),
  };
  const endpoints: Partial<Record<UpstreamName, string>> = {};
  let offset = 0;
  for (const [name, sim] of Object.entries(sims) as Array<[UpstreamName, Simulator]>) {
    const port = options.ports?.[name] ?? (options.basePort ? options.basePort + offset : 0);
    endpoints[name] = await sim.listen(port, options.host ?? '127.0.0.1');
    offset += 1;
  }
  const all = () => Object.values(sims) as Simulator[];
  return {
    identities,
    ...sims,
    endpoints,
    all,
    async close() {
      await Promise.all(all().map((s) => s.close()));
    },
  };
}

/**
 * The config pointed at the simulators, with every default id and credential the simulators
 * know filled in where the environment left it empty.
 */
export function withSimulatedUpstreams(config: GatewayConfig, sims: Pick<SimulatedUpstreams, 'endpoints'>): GatewayConfig {
  return {
    ...config,
    endpoints: { ...sims.endpoints },
    huawei: {
      iam: config.huawei.aksk ? null : (config.huawei.iam ?? { ...SIMULATED.iam }),
      aksk: config.huawei.aksk,
      codeartsProjectId: config.huawei.codeartsProjectId ?? SIMULATED.codeartsProjectId,
      projectId: config.huawei.projectId ?? SIMULATED.huaweiProjectId,
      domainId: config.huawei.domainId ?? SIMULATED.domainId,
    },
    bandwidth: config.bandwidth ?? { ...SIMULATED.bandwidth },
    comestri: config.comestri ?? { ...SIMULATED.comestri },
  };
}
