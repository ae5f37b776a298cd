/**
 * The agent's public module: the only part of agent/ that the ops CLI and the bench may import
 * (dependency-cruiser enforces it). The server agent itself starts at cli.ts.
 */
export { type DbConnection, resolveDbConnection } from './config/db-credentials';
export { decodeEnvBytes } from './config/env-bytes';
export { parseEnvFile } from './config/env-file';
export { countRows, dropTables, importDump, listTables, plainPgTableName, queryDatabase } from './process/db-client';
export { readDumpFileManifest } from './manifest/dump-file-manifest';
export { MYSQLDUMP_FLAGS } from './process/db-commands';
export { buildSftpCommand, buildUploadBatch } from './steps/transfer-media';
export { createS3Client, uploadFile } from './steps/s3-upload';
