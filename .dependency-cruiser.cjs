// The boundaries between the deployables, checked by `npm run lint` (dependency-cruiser).
// agent/ is what every server downloads: it stands on common/ alone. control/ is the control-plane core
// that the Lambdas and the ops CLI share; it stands on common/. The Lambdas are thin handlers on control/
// and common/; the ops CLI uses control/, never a Lambda's files, and the agent only through its public
// module. infra/ is the CDK app: it takes names and constants from common/, never runtime code.
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
      to: { path: '^(control|lambda|ops|infra|test|bench|scripts)/' },
    },
    {
      name: 'common-stands-alone',
      severity: 'error',
      comment: 'common/ is shared by every deployable and imports none of them',
      from: { path: '^common/' },
      to: { path: '^(agent|control|lambda|ops|infra|test|bench|scripts)/' },
    },
    {
      name: 'control-stands-on-common',
      severity: 'error',
      comment: 'the control-plane core is shared by the Lambdas and the ops CLI and imports neither',
      from: { path: '^control/' },
      to: { path: '^(agent|lambda|ops|infra|test|bench|scripts)/' },
    },
    {
      name: 'lambda-not-agent-ops-infra',
      severity: 'error',
      from: { path: '^lambda/' },
      to: { path: '^(agent|ops|infra|test|bench|scripts)/' },
    },
    {
      name: 'lambdas-share-through-control',
      severity: 'error',
      comment: 'one Lambda does not reach into another: what they share lives in control/',
      from: { path: '^lambda/([^/]+)/' },
      to: { path: '^lambda/', pathNot: '^lambda/$1/' },
    },
    {
      name: 'ops-uses-agent-public-module',
      severity: 'error',
      from: { path: '^ops/' },
      to: { path: '^agent/', pathNot: '^agent/index\\.ts$' },
    },
    {
      name: 'ops-not-lambda-or-infra',
      severity: 'error',
      comment: 'the CLI shares logic with the Lambdas through control/, never through their files',
      from: { path: '^ops/' },
      to: { path: '^(lambda|infra|test|bench|scripts)/' },
    },
    {
      name: 'infra-takes-no-runtime-code',
      severity: 'error',
      comment: 'infra/ bundles the Lambdas by path; it imports only names and constants (common/)',
      from: { path: '^infra/' },
      to: { path: '^(agent|control|lambda|ops|test|bench|scripts)/' },
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
