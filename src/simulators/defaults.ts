/**
 * Identifiers and credentials the simulated upstreams know. In simulation every default id of
 * the contract (projects, domain, account) has one of these values, so the README's queries
 * work with no variable set. None of these is a real secret.
 */
export const SIMULATED = {
  iam: { username: 'sim-user', password: 'sim-password', domain: 'sim-domain', project: 'cn-north-4' },
  aksk: { ak: 'SIMAK0000000000000000', sk: 'simulated-secret-key-not-real' },
  /** The CodeArts project of the pipeline seed's example. */
  codeartsProjectId: '54f90b75fc1447b1b65e8d3a9f77923d',
  /** The RTS seed's project. */
  huaweiProjectId: '95d02433133a4c0a87ba6967474a2ad3',
  /** The tenant (domain) id that appears in the Artifact seed's repository ids. */
  domainId: '5a775fdcb14f4431b6c0015618140bc3',
  bandwidth: { username: 'sim-bandwidth-user', password: 'sim-bandwidth-password', accountId: '9900000' },
  comestri: { token: 'sim-comestri-token', email: 'sim@example.com' },
} as const;
