import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests start real servers (MariaDB databases, PostgreSQL clusters, sshd, s3rver): keep files serial
    // on this 2-core machine and give real I/O room.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: {
      // s3rver does not speak the SDK's default CRC32 checksums; tests only (see DESIGN.md).
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // The AWS fakes answer inside the SDK's middleware stack, after it has signed the request: give the
      // SDK a region and static fake keys, so it never looks for real ones (no profile, no instance metadata).
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDBACKOPPERTEST',
      AWS_SECRET_ACCESS_KEY: 'backopper-test-secret-not-real',
    },
  },
});
