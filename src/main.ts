import { ConfigError, loadConfig, type GatewayConfig } from './config';
import { createGateway } from './gateway';
import { createLogger } from './observability/logger';
import { startSimulators, withSimulatedUpstreams, type SimulatedUpstreams } from './simulators';

/** The only place that reads process.env: load config → (simulators) → gateway → listen. */
async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, pretty: !config.production && process.stdout.isTTY });

  let sims: SimulatedUpstreams | null = null;
  if (config.simulation) {
    sims = await startSimulators();
    config = withSimulatedUpstreams(config, sims);
    logger.warn(
      { reason: config.simulation?.reason, endpoints: sims.endpoints },
      `SIMULATED UPSTREAMS: ${config.simulation?.reason}; serving from the built-in simulators, not real services`,
    );
  }

  const gateway = await createGateway(config, { logger });
  const url = await gateway.listen();
  logger.info(
    { url: `${url}/graphql`, simulated: Boolean(sims), cache: gateway.services.cache.kind },
    `gateway listening on ${url}/graphql`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining in-flight requests');
    await gateway.close();
    await sims?.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
}

void main().catch((err: unknown) => {
  process.stderr.write(`Gateway failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
