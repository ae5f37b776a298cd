// The boundaries between the deployables, checked by `npm run lint` (dependency-cruiser).
// agent/ is what every server downloads: it stands on common/ alone. The Lambdas stand on common/ and
// lambda/shared/. The ops CLI may use the agent only through its public module. infra/ is the CDK app:
// it takes names and constants from common/, never runtime code from lambda/, ops/ or agent/.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'import circles make the stages unreadable',
      from: {},
      to: { circular: true },
    },
    {
      name: 'agent-stands-on-common',
      severity: 'error',
      comment: 'the agent bundle imports only agent/ and common/',
      from: { path: '^agent/' },
      to: { path: '^(lambda|ops|infra|test|bench|scripts)/' },
    },
    {
      name: 'common-stands-alone',
      severity: 'error',
      comment: 'common/ is shared by every deployable and imports none of them',
      from: { path: '^common/' },
      to: { path: '^(agent|lambda|ops|infra|test|bench|scripts)/' },
    },
    {
      name: 'lambda-not-agent-ops-infra',
      severity: 'error',
      from: { path: '^lambda/' },
      to: { path: '^(agent|ops|infra|test|bench|scripts)/' },
    },
    {
      name: 'lambdas-share-through-shared',
      severity: 'error',
      comment: 'one Lambda does not reach into another: what they share lives in lambda/shared/',
      from: { path: '^lambda/([^/]+)/', pathNot: '^lambda/shared/' },
      to: { path: '^lambda/', pathNot: ['^lambda/$1/', '^lambda/shared/'] },
    },
    {
      name: 'ops-uses-agent-public-module',
      severity: 'error',
      from: { path: '^ops/' },
      to: { path: '^agent/', pathNot: '^agent/index\\.ts$' },
    },
    {
      name: 'ops-not-infra',
      severity: 'error',
      from: { path: '^ops/' },
      to: { path: '^(infra|test|bench|scripts)/' },
    },
    {
      name: 'infra-takes-no-runtime-code',
      severity: 'error',
      comment: 'infra/ bundles the Lambdas by path; it imports only names and constants (common/)',
      from: { path: '^infra/' },
      to: { path: '^(agent|lambda|ops|test|bench|scripts)/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|cdk\\.out)/|^test/fixtures/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
