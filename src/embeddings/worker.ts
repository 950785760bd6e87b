// A word2vec training thread: instantiates the WebAssembly kernel (or, for a subword model, the subword
// kernel) on the run's shared memory (both weight matrices, the tables) and trains each chunk of word ids
// it is sent, lock-free alongside the other threads (Hogwild). Replies with the chunk's kept-word count and loss sums. Loaded from dist/
// by src/embeddings/worker-pool.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateSubwordKernel } from './kernels/subword-memory.js';
import { instantiateKernel, readChunkLoss, runChunk } from './kernels/word2vec-memory.js';
import type { ChunkMessage, ChunkReply, WorkerInit } from './worker-pool.js';

const init = workerData as WorkerInit;
const kernel =
  init.config.subword === undefined
    ? instantiateKernel(init.memory, init.layout, init.config, init.workerIndex, init.module)
    : instantiateSubwordKernel(init.memory, init.layout, init.config, init.workerIndex);
const port = parentPort;
if (port === null) throw new Error('verbo: embeddings/worker.js must run in a worker thread');

port.on('message', (message: ChunkMessage) => {
  const kept = runChunk(
    kernel,
    init.memory,
    init.layout,
    init.workerIndex,
    message.ids,
    message.ends,
    message.alpha,
  );
  const { lossSum, examples } = readChunkLoss(init.memory, init.layout, init.workerIndex);
  const reply: ChunkReply = { sequence: message.sequence, kept, lossSum, examples };
  port.postMessage(reply);
});
