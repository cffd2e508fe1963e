// Imported first by the CLI: file writes and fsyncs run on libuv's thread pool, whose default
// of 4 threads would cap concurrent durable deliveries at 4. It is sized on first use, so
// this must run before any asynchronous file operation.
process.env.UV_THREADPOOL_SIZE ??= '16';
