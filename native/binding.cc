// The N-API face of the addon: converts JavaScript arguments to the kernel structs and back, nothing
// else. Exports
//   info()                       the ISA in use, why, the ISAs this CPU can run, pool threads, CPU flags
//   setThreads(n)                the pool's default thread count
//   kernels                      the kernel table chosen at load (VERBO_ISA may lower it)
//   tables                       every table this CPU can run, by ISA name (for tests and benchmarks)
// Each table object holds the same functions, bound to its ISA:
//   gemm(a, b, c, m, n, k, flags, threads)        flags: 1 transA, 2 transB, 4 accumulate
//   gemmAsync(...same)  → Promise                 runs on a libuv thread (+ the pool); the arrays must
//                                                 not be touched until it settles
//   unary(op, x, out, threads)                    op: 0 exp, 1 sigmoid, 2 tanh, 3 relu; length = x's
//   sgdUpdate(param, grad, learningRate, threads)  param −= learningRate·grad; lengths equal
//   sumOfSquares(x, threads) → number             Σ x²
//   logSumExpRows(x, rows, cols, lse, threads)
//   sparseCrossEntropyBackward(x, rows, cols, targets, lse, rowGrad, dx, threads)
//   linearCrossEntropyForward(x, w, wTransposed, bias, targets, logits, stats, losses, rows, k, n, threads)
//   linearCrossEntropyBackward(x, w, wTransposed, targets, logits, stats, rowGradient, dx, accumulateX,
//                              dw, accumulateW, db, rows, k, n, threads)      (dx, dw, db may be null)
//   lstmForward(xProj, recurrent, hs, cs, tanhCells, gates, batch, steps, units, threads)
//   lstmBackward(recurrent, gates, cs, tanhCells, gradOut, dz, dh, dc, wantH0, batch, steps, units, threads)
//   gruForward(xProj, recurrent, recurrentBias, hs, saved, batch, steps, units, threads)
//   gruBackward(recurrent, saved, hs, gradOut, dx, dhu, dh, wantH0, batch, steps, units, threads)
//   word2vecTrain(model, ids, ends, pieceEnds, alphas, rng, results, threads)
//   word2vecTrainAsync(...same) → Promise         one job of the word2vec trainer
//   subwordTrain(model, ids, ends, pieceEnds, alphas, rng, results, threads), subwordTrainAsync(...same)
//                                                 one job of the subword (fastText) trainer
//   scanTopK(rows, rowCount, dim, queries, queryCount, k, mask, group, excluded, scores, ids, threads)
//   hnswGraph(graph) → handle                     a laid-out HNSW graph, checked once and copied for the walk
//   hnswSearch(handle, queries, queryCount, k, ef, rerank, int8, deletedCount, ids, scores, found, threads,
//              walkers, starts)                  starts: Int32Array of a node per query (−1: descend) or null
//   hnswBuildBatch(rows, levels, links0, upperStart, upperLinks, count, dim, M, maxM0, efConstruction,
//                  begin, end, entryPoint, maxLevel, batchMates, threads)   one batch of an HNSW build
//   conv2dForward(geometry, x, kernel, bias, relu, y, threads)      geometry: Int32Array [batch,
//   conv2dBackward(geometry, x, kernel, relu, y, dy, dx, dkernel, dbias, threads)   height, width,
//   maxPoolForward(geometry, x, y, argmax, threads)                channels, kernelH, kernelW, strideH,
//   maxPoolBackward(geometry, dy, argmax, dx, threads)             strideW, padTop, padLeft, outH, outW,
//                                                                  filters] (filters: convolution only)
// Argument order and meaning are documented once, in src/native/index.ts (the embedding and search
// entries in src/native/embedding-kernels.ts); sizes in kernels.h.
#include <napi.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <new>
#include <string>
#include <utility>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "dispatch.h"
#include "hnsw_graph.h"
#include "kernels.h"
#include "pool.h"

namespace verbo {
namespace {

const KernelTable& table_of(const Napi::CallbackInfo& info) {
  return *static_cast<const KernelTable*>(info.Data());
}

Napi::Float32Array floats(const Napi::CallbackInfo& info, size_t index, size_t needed, const char* name) {
  if (!info[index].IsTypedArray() || info[index].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array");
  Napi::Float32Array array = info[index].As<Napi::Float32Array>();
  if (array.ElementLength() < needed)
    throw Napi::RangeError::New(info.Env(), std::string(name) + " holds " + std::to_string(array.ElementLength()) +
                                                " values, needs " + std::to_string(needed));
  return array;
}

/** A typed array argument of element type T (napi `type`), at least `needed` long; null allowed if `optional`. */
template <typename Array, typename T>
T* typed(const Napi::CallbackInfo& info, size_t index, size_t needed, const char* name, napi_typedarray_type type,
         const char* typeName, bool optional = false) {
  if (optional && (info[index].IsNull() || info[index].IsUndefined())) return nullptr;
  if (!info[index].IsTypedArray() || info[index].As<Napi::TypedArray>().TypedArrayType() != type)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a " + typeName);
  Array array = info[index].As<Array>();
  if (array.ElementLength() < needed)
    throw Napi::RangeError::New(info.Env(), std::string(name) + " holds " + std::to_string(array.ElementLength()) +
                                                " values, needs " + std::to_string(needed));
  return array.Data();
}

float* f32(const Napi::CallbackInfo& info, size_t index, size_t needed, const char* name, bool optional = false) {
  return typed<Napi::Float32Array, float>(info, index, needed, name, napi_float32_array, "Float32Array", optional);
}
double* f64(const Napi::CallbackInfo& info, size_t index, size_t needed, const char* name) {
  return typed<Napi::Float64Array, double>(info, index, needed, name, napi_float64_array, "Float64Array");
}
int32_t* i32(const Napi::CallbackInfo& info, size_t index, size_t needed, const char* name) {
  return typed<Napi::Int32Array, int32_t>(info, index, needed, name, napi_int32_array, "Int32Array");
}

bool boolean(const Napi::CallbackInfo& info, size_t index) { return info[index].ToBoolean().Value(); }

/** Runs a kernel, turning a C++ exception (out of memory for scratch) into a JavaScript error. */
template <typename Kernel>
void guarded(const Napi::CallbackInfo& info, Kernel kernel) {
  try {
    kernel();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& error) {
    throw Napi::Error::New(info.Env(), error.what());
  }
}

/** Every target in [0, cols): a bad one would index outside the row. */
void check_targets(const Napi::CallbackInfo& info, const int32_t* targets, int rows, int cols) {
  for (int r = 0; r < rows; r++)
    if (targets[r] < 0 || targets[r] >= cols)
      throw Napi::RangeError::New(info.Env(), "target " + std::to_string(targets[r]) + " of row " + std::to_string(r) +
                                                  " is outside [0, " + std::to_string(cols) + ")");
}

void need_args(const Napi::CallbackInfo& info, size_t count, const char* usage) {
  if (info.Length() < count) throw Napi::TypeError::New(info.Env(), usage);
}

int integer(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  int64_t value = info[index].As<Napi::Number>().Int64Value();
  if (value < 0 || value > INT32_MAX)
    throw Napi::RangeError::New(info.Env(), std::string(name) + " is out of range");
  return static_cast<int>(value);
}

/** A kernel call on a libuv worker thread, settling a Promise; keeps its arrays alive meanwhile. */
class Job : public Napi::AsyncWorker {
 public:
  Job(Napi::Env env, std::function<void()> work, const std::vector<Napi::Object>& keep)
      : Napi::AsyncWorker(env, "verbo-native-job"),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)) {
    for (const Napi::Object& object : keep) keep_.push_back(Napi::Persistent(object));
  }

  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      work_();
    } catch (const std::exception& error) {
      SetError(error.what());
    }
  }

  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<void()> work_;
  std::vector<Napi::ObjectReference> keep_;
};

/** Runs `work` now, or (async) on a libuv thread behind a Promise. */
Napi::Value run(const Napi::CallbackInfo& info, bool async, std::function<void()> work,
                const std::vector<Napi::Object>& keep) {
  if (!async) {
    try {
      work();
    } catch (const std::exception& error) {
      throw Napi::Error::New(info.Env(), error.what());
    }
    return info.Env().Undefined();
  }
  Job* job = new Job(info.Env(), std::move(work), keep);
  Napi::Promise promise = job->promise();
  job->Queue();
  return promise;
}

// gemm(a, b, c, m, n, k, flags, threads)
Napi::Value gemm_call(const Napi::CallbackInfo& info, bool async) {
  const KernelTable& table = table_of(info);
  if (info.Length() < 8) throw Napi::TypeError::New(info.Env(), "gemm(a, b, c, m, n, k, flags, threads)");
  int m = integer(info, 3, "m"), n = integer(info, 4, "n"), k = integer(info, 5, "k");
  int flags = integer(info, 6, "flags"), threads = integer(info, 7, "threads");
  size_t mk = static_cast<size_t>(m) * k, kn = static_cast<size_t>(k) * n, mn = static_cast<size_t>(m) * n;
  Napi::Float32Array a = floats(info, 0, mk, "a"), b = floats(info, 1, kn, "b"), c = floats(info, 2, mn, "c");
  bool transA = flags & 1, transB = flags & 2;
  GemmArgs args{m, n, k,
                a.Data(), transA ? 1 : static_cast<ptrdiff_t>(k), transA ? static_cast<ptrdiff_t>(m) : 1,
                b.Data(), transB ? 1 : static_cast<ptrdiff_t>(n), transB ? static_cast<ptrdiff_t>(k) : 1,
                c.Data(), static_cast<ptrdiff_t>(n), (flags & 4) != 0, threads < 1 ? 1 : threads};
  void (*kernel)(const GemmArgs&) = table.gemm;
  return run(info, async, [args, kernel] { kernel(args); }, {a, b, c});
}

Napi::Value gemm(const Napi::CallbackInfo& info) { return gemm_call(info, false); }
Napi::Value gemm_async(const Napi::CallbackInfo& info) { return gemm_call(info, true); }

// unary(op, x, out, threads): out[i] = f(x[i]) for i < x.length (out may be x itself).
Napi::Value unary(const Napi::CallbackInfo& info) {
  need_args(info, 4, "unary(op, x, out, threads)");
  const KernelTable& table = table_of(info);
  int op = integer(info, 0, "op");
  if (op > kRelu) throw Napi::RangeError::New(info.Env(), "unknown unary op " + std::to_string(op));
  const float* x = f32(info, 1, 0, "x");
  size_t length = info[1].As<Napi::Float32Array>().ElementLength();
  float* out = f32(info, 2, length, "out");
  std::vector<float> copy;
  // A partial overlap would read values already overwritten: work from a copy of x then.
  if (x != out && x < out + length && out < x + length) {
    copy.assign(x, x + length);
    x = copy.data();
  }
  UnaryArgs args{op, x, out, static_cast<ptrdiff_t>(length), integer(info, 3, "threads")};
  guarded(info, [&] { table.unary(args); });
  return info.Env().Undefined();
}

// sgdUpdate(param, grad, learningRate, threads): param[i] −= learningRate · grad[i] (in double).
Napi::Value sgd_update(const Napi::CallbackInfo& info) {
  need_args(info, 4, "sgdUpdate(param, grad, learningRate, threads)");
  size_t length = floats(info, 0, 0, "param").ElementLength();
  ParameterArgs args{f32(info, 0, length, "param"), f32(info, 1, length, "grad"), static_cast<ptrdiff_t>(length),
                     info[2].As<Napi::Number>().DoubleValue(), integer(info, 3, "threads")};
  guarded(info, [&] { table_of(info).sgdUpdate(args); });
  return info.Env().Undefined();
}

// sumOfSquares(x, threads) → Σ x[i]² (in double).
Napi::Value sum_of_squares(const Napi::CallbackInfo& info) {
  need_args(info, 2, "sumOfSquares(x, threads)");
  size_t length = floats(info, 0, 0, "x").ElementLength();
  ParameterArgs args{nullptr, f32(info, 0, length, "x"), static_cast<ptrdiff_t>(length), 0.0,
                     integer(info, 1, "threads")};
  double total = 0;
  guarded(info, [&] { total = table_of(info).sumOfSquares(args); });
  return Napi::Number::New(info.Env(), total);
}

// logSumExpRows(x, rows, cols, lse, threads)
Napi::Value log_sum_exp_rows(const Napi::CallbackInfo& info) {
  need_args(info, 5, "logSumExpRows(x, rows, cols, lse, threads)");
  int rows = integer(info, 1, "rows"), cols = integer(info, 2, "cols");
  RowsArgs args{rows, cols, f32(info, 0, static_cast<size_t>(rows) * cols, "x"), f64(info, 3, rows, "lse"),
                nullptr, nullptr, nullptr, integer(info, 4, "threads")};
  guarded(info, [&] { table_of(info).logSumExpRows(args); });
  return info.Env().Undefined();
}

// sparseCrossEntropyBackward(x, rows, cols, targets, lse, rowGrad, dx, threads)
Napi::Value sparse_cross_entropy_backward(const Napi::CallbackInfo& info) {
  need_args(info, 8, "sparseCrossEntropyBackward(x, rows, cols, targets, lse, rowGrad, dx, threads)");
  int rows = integer(info, 1, "rows"), cols = integer(info, 2, "cols");
  size_t size = static_cast<size_t>(rows) * cols;
  RowsArgs args{rows, cols, f32(info, 0, size, "x"), f64(info, 4, rows, "lse"), i32(info, 3, rows, "targets"),
                f64(info, 5, rows, "rowGrad"), f32(info, 6, size, "dx"), integer(info, 7, "threads")};
  check_targets(info, args.targets, rows, cols);
  guarded(info, [&] { table_of(info).sparseCrossEntropyBackward(args); });
  return info.Env().Undefined();
}

// linearCrossEntropyForward(x, w, wTransposed, bias, targets, logits, stats, losses, rows, k, n, threads)
Napi::Value linear_cross_entropy_forward(const Napi::CallbackInfo& info) {
  need_args(info, 12, "linearCrossEntropyForward(x, w, wTransposed, bias, targets, logits, stats, losses, rows, k, n, threads)");
  int rows = integer(info, 8, "rows"), k = integer(info, 9, "k"), n = integer(info, 10, "n");
  LinearCrossEntropyArgs args{};
  args.rows = rows;
  args.k = k;
  args.n = n;
  args.x = f32(info, 0, static_cast<size_t>(rows) * k, "x");
  args.w = f32(info, 1, static_cast<size_t>(k) * n, "w");
  args.wTransposed = boolean(info, 2);
  args.bias = f32(info, 3, n, "bias", true);
  args.targets = i32(info, 4, rows, "targets");
  args.logits = f32(info, 5, static_cast<size_t>(rows) * n, "logits");
  args.stats = f64(info, 6, 2 * static_cast<size_t>(rows), "stats");
  args.losses = f64(info, 7, rows, "losses");
  args.threads = integer(info, 11, "threads");
  check_targets(info, args.targets, rows, n);
  guarded(info, [&] { table_of(info).linearCrossEntropyForward(args); });
  return info.Env().Undefined();
}

// linearCrossEntropyBackward(x, w, wTransposed, targets, logits, stats, rowGradient, dx, accumulateX, dw,
//                            accumulateW, db, rows, k, n, threads)
Napi::Value linear_cross_entropy_backward(const Napi::CallbackInfo& info) {
  need_args(info, 16, "linearCrossEntropyBackward(x, w, wTransposed, targets, logits, stats, rowGradient, dx, accumulateX, dw, accumulateW, db, rows, k, n, threads)");
  int rows = integer(info, 12, "rows"), k = integer(info, 13, "k"), n = integer(info, 14, "n");
  LinearCrossEntropyArgs args{};
  args.rows = rows;
  args.k = k;
  args.n = n;
  args.x = f32(info, 0, static_cast<size_t>(rows) * k, "x");
  args.w = f32(info, 1, static_cast<size_t>(k) * n, "w");
  args.wTransposed = boolean(info, 2);
  args.targets = i32(info, 3, rows, "targets");
  args.logits = f32(info, 4, static_cast<size_t>(rows) * n, "logits");
  args.stats = f64(info, 5, 2 * static_cast<size_t>(rows), "stats");
  args.rowGradient = info[6].As<Napi::Number>().DoubleValue();
  args.dx = f32(info, 7, static_cast<size_t>(rows) * k, "dx", true);
  args.accumulateX = boolean(info, 8);
  args.dw = f32(info, 9, static_cast<size_t>(k) * n, "dw", true);
  args.accumulateW = boolean(info, 10);
  args.db = f32(info, 11, n, "db", true);
  args.threads = integer(info, 15, "threads");
  check_targets(info, args.targets, rows, n);
  guarded(info, [&] { table_of(info).linearCrossEntropyBackward(args); });
  return info.Env().Undefined();
}

// lstmForward(xProj, recurrent, hs, cs, tanhCells, gates, batch, steps, units, threads)
Napi::Value lstm_forward(const Napi::CallbackInfo& info) {
  need_args(info, 10, "lstmForward(xProj, recurrent, hs, cs, tanhCells, gates, batch, steps, units, threads)");
  int batch = integer(info, 6, "batch"), steps = integer(info, 7, "steps"), units = integer(info, 8, "units");
  size_t state = static_cast<size_t>(batch) * units, gateRow = 4 * static_cast<size_t>(units);
  LstmArgs args{};
  args.batch = batch;
  args.steps = steps;
  args.units = units;
  args.xProj = f32(info, 0, batch * steps * gateRow, "xProj");
  args.recurrent = f32(info, 1, units * gateRow, "recurrent");
  args.hs = f32(info, 2, (steps + 1) * state, "hs");
  args.cs = f32(info, 3, (steps + 1) * state, "cs");
  args.tanhCells = f32(info, 4, steps * state, "tanhCells");
  args.gates = f32(info, 5, steps * batch * gateRow, "gates");
  args.threads = integer(info, 9, "threads");
  guarded(info, [&] { table_of(info).lstmForward(args); });
  return info.Env().Undefined();
}

// lstmBackward(recurrent, gates, cs, tanhCells, gradOut, dz, dh, dc, wantH0, batch, steps, units, threads)
Napi::Value lstm_backward(const Napi::CallbackInfo& info) {
  need_args(info, 13, "lstmBackward(recurrent, gates, cs, tanhCells, gradOut, dz, dh, dc, wantH0, batch, steps, units, threads)");
  int batch = integer(info, 9, "batch"), steps = integer(info, 10, "steps"), units = integer(info, 11, "units");
  size_t state = static_cast<size_t>(batch) * units, gateRow = 4 * static_cast<size_t>(units);
  LstmArgs args{};
  args.batch = batch;
  args.steps = steps;
  args.units = units;
  args.recurrent = f32(info, 0, units * gateRow, "recurrent");
  args.gates = f32(info, 1, steps * batch * gateRow, "gates");
  args.cs = f32(info, 2, (steps + 1) * state, "cs");
  args.tanhCells = f32(info, 3, steps * state, "tanhCells");
  args.gradOut = f32(info, 4, (steps + 1) * state, "gradOut");
  args.dz = f32(info, 5, steps * batch * gateRow, "dz");
  args.dh = f32(info, 6, state, "dh");
  args.dc = f32(info, 7, state, "dc");
  args.wantH0 = boolean(info, 8);
  args.threads = integer(info, 12, "threads");
  guarded(info, [&] { table_of(info).lstmBackward(args); });
  return info.Env().Undefined();
}

// ---- embeddings and search (word2vec.cc, scan.cc, hnsw.cc) ----

/** The typed array in property `key` of `object` (element type `type`), at least `needed` long. */
template <typename Array>
Array member(Napi::Object object, const char* key, napi_typedarray_type type, const char* typeName, size_t needed) {
  Napi::Value value = object.Get(key);
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type)
    throw Napi::TypeError::New(object.Env(), std::string(key) + " must be a " + typeName);
  Array array = value.As<Array>();
  if (array.ElementLength() < needed)
    throw Napi::RangeError::New(object.Env(), std::string(key) + " holds " + std::to_string(array.ElementLength()) +
                                                  " values, needs " + std::to_string(needed));
  return array;
}

/** The whole number in property `key` of `object`, in [0, INT32_MAX]. */
int member_int(Napi::Object object, const char* key) {
  Napi::Value value = object.Get(key);
  if (!value.IsNumber()) throw Napi::TypeError::New(object.Env(), std::string(key) + " must be a number");
  int64_t n = value.As<Napi::Number>().Int64Value();
  if (n < 0 || n > INT32_MAX) throw Napi::RangeError::New(object.Env(), std::string(key) + " is out of range");
  return static_cast<int>(n);
}

/** The word2vec model object src/embeddings/kernels/word2vec.ts builds, checked against its sizes. */
Word2VecModel word2vec_model(Napi::Object model, int* vocabSize) {
  Napi::Env env = model.Env();
  Word2VecModel m{};
  int vocab = member_int(model, "vocabSize");
  m.dim = member_int(model, "dim");
  m.window = member_int(model, "window");
  m.negative = member_int(model, "negative");
  m.hs = model.Get("hs").ToBoolean().Value();
  m.cbow = model.Get("cbow").ToBoolean().Value();
  m.exactSigmoid = model.Get("exactSigmoid").ToBoolean().Value();
  if (m.dim < 1 || m.window < 1 || vocab < 1)
    throw Napi::RangeError::New(env, "word2vec: dim, window and vocabSize must be at least 1");
  size_t matrix = static_cast<size_t>(vocab) * m.dim;
  m.input = member<Napi::Float32Array>(model, "input", napi_float32_array, "Float32Array", matrix).Data();
  m.sigmoid = member<Napi::Float32Array>(model, "sigmoid", napi_float32_array, "Float32Array", 1001).Data();
  m.logSigmoid = member<Napi::Float32Array>(model, "logSigmoid", napi_float32_array, "Float32Array", 1001).Data();
  m.keep = member<Napi::Float32Array>(model, "keep", napi_float32_array, "Float32Array", vocab).Data();
  if (m.negative > 0) {
    m.output = member<Napi::Float32Array>(model, "output", napi_float32_array, "Float32Array", matrix).Data();
    m.noiseSize = static_cast<uint32_t>(vocab);
    Napi::Uint32Array noise = member<Napi::Uint32Array>(model, "noise", napi_uint32_array, "Uint32Array", 2 * static_cast<size_t>(vocab));
    for (int w = 0; w < vocab; w++)
      if (noise[2 * w + 1] >= static_cast<uint32_t>(vocab))
        throw Napi::RangeError::New(env, "word2vec: an alias of the noise table is outside the vocabulary");
    m.noise = noise.Data();
  }
  if (m.hs) {
    m.hsWeights = member<Napi::Float32Array>(model, "hsWeights", napi_float32_array, "Float32Array", matrix).Data();
    m.codeStart = member<Napi::Int32Array>(model, "codeStart", napi_int32_array, "Int32Array", vocab).Data();
    m.codeLength = member<Napi::Int32Array>(model, "codeLength", napi_int32_array, "Int32Array", vocab).Data();
    Napi::Int32Array points = member<Napi::Int32Array>(model, "points", napi_int32_array, "Int32Array", 0);
    size_t codeTotal = points.ElementLength();
    m.points = points.Data();
    m.codes = member<Napi::Uint8Array>(model, "codes", napi_uint8_array, "Uint8Array", codeTotal).Data();
    for (int w = 0; w < vocab; w++)
      if (m.codeStart[w] < 0 || m.codeLength[w] < 0 || static_cast<size_t>(m.codeStart[w]) + m.codeLength[w] > codeTotal)
        throw Napi::RangeError::New(env, "word2vec: a Huffman code lies outside points");
    for (size_t i = 0; i < codeTotal; i++)
      if (m.points[i] < 0 || m.points[i] >= vocab) throw Napi::RangeError::New(env, "word2vec: a Huffman node is outside hsWeights");
  }
  *vocabSize = vocab;
  return m;
}

/**
 * The job arguments of word2vecTrain and subwordTrain (ids, ends, pieceEnds, alphas, rng, results,
 * threads) over `model`, checked: every id in the vocabulary, sentence and piece ends rising within
 * their arrays. `keep` receives the objects the job must keep alive.
 */
Word2VecJob word2vec_job(const Napi::CallbackInfo& info, Word2VecModel model, int vocab,
                         std::vector<Napi::Object>& keep) {
  Napi::Env env = info.Env();
  Word2VecJob job{};
  job.model = model;
  Napi::Int32Array ids = info[1].As<Napi::Int32Array>(), ends = info[2].As<Napi::Int32Array>();
  Napi::Int32Array pieceEnds = info[3].As<Napi::Int32Array>();
  job.ids = i32(info, 1, 0, "ids");
  job.ends = i32(info, 2, 0, "ends");
  job.pieceEnds = i32(info, 3, 0, "pieceEnds");
  job.pieces = static_cast<int>(pieceEnds.ElementLength());
  job.alphas = f32(info, 4, job.pieces, "alphas");
  job.rng = typed<Napi::BigUint64Array, uint64_t>(info, 5, job.pieces, "rng", napi_biguint64_array, "BigUint64Array");
  job.results = f64(info, 6, 3 * static_cast<size_t>(job.pieces), "results");
  job.threads = integer(info, 7, "threads");
  if (job.threads < 1) job.threads = 1;
  // Everything the loop indexes by is checked here, once per job: a bad id must not reach memory.
  for (size_t k = 0; k < ids.ElementLength(); k++)
    if (job.ids[k] < 0 || job.ids[k] >= vocab) throw Napi::RangeError::New(env, "word2vec: a word id is outside the vocabulary");
  for (size_t s = 0, last = 0; s < ends.ElementLength(); s++) {
    if (job.ends[s] < static_cast<int64_t>(last) || static_cast<size_t>(job.ends[s]) > ids.ElementLength())
      throw Napi::RangeError::New(env, "word2vec: sentence ends must rise and stay within ids");
    last = job.ends[s];
  }
  for (int p = 0, last = 0; p < job.pieces; p++) {
    if (job.pieceEnds[p] < last || static_cast<size_t>(job.pieceEnds[p]) > ends.ElementLength())
      throw Napi::RangeError::New(env, "word2vec: piece ends must rise and stay within ends");
    last = job.pieceEnds[p];
  }
  keep.insert(keep.end(), {info[0].As<Napi::Object>(), ids, ends, pieceEnds, info[4].As<Napi::Object>(),
                           info[5].As<Napi::Object>(), info[6].As<Napi::Object>()});
  return job;
}

// word2vecTrain(model, ids, ends, pieceEnds, alphas, rng, results, threads)
Napi::Value word2vec_call(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  need_args(info, 8, "word2vecTrain(model, ids, ends, pieceEnds, alphas, rng, results, threads)");
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "model must be an object");
  int vocab = 0;
  Word2VecModel model = word2vec_model(info[0].As<Napi::Object>(), &vocab);
  std::vector<Napi::Object> keep;
  Word2VecJob job = word2vec_job(info, model, vocab, keep);
  void (*kernel)(const Word2VecJob&) = table_of(info).word2vecTrain;
  return run(info, async, [job, kernel] { kernel(job); }, keep);
}

// subwordTrain(model, ids, ends, pieceEnds, alphas, rng, results, threads): model as word2vec's, with an
// input matrix of words then n-gram buckets, subwordStart / subwordRows (each word's rows, checked to lie
// in the input matrix) and fastTextSigmoid.
Napi::Value subword_call(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  need_args(info, 8, "subwordTrain(model, ids, ends, pieceEnds, alphas, rng, results, threads)");
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "model must be an object");
  Napi::Object object = info[0].As<Napi::Object>();
  int vocab = 0;
  Word2VecModel model = word2vec_model(object, &vocab);
  SubwordJob job{};
  Napi::Int32Array start = member<Napi::Int32Array>(object, "subwordStart", napi_int32_array, "Int32Array", vocab + 1);
  Napi::Int32Array rows = member<Napi::Int32Array>(object, "subwordRows", napi_int32_array, "Int32Array", 0);
  size_t inputRows = object.Get("input").As<Napi::Float32Array>().ElementLength() / model.dim;
  if (start[0] != 0) throw Napi::RangeError::New(env, "subword: subwordStart must start at 0");
  for (int w = 0; w < vocab; w++)
    if (start[w + 1] < start[w]) throw Napi::RangeError::New(env, "subword: subwordStart must rise");
  if (static_cast<size_t>(start[vocab]) > rows.ElementLength())
    throw Napi::RangeError::New(env, "subword: subwordStart points past subwordRows");
  for (int k = 0; k < start[vocab]; k++)
    if (rows[k] < 0 || static_cast<size_t>(rows[k]) >= inputRows)
      throw Napi::RangeError::New(env, "subword: a row of subwordRows is outside the input matrix");
  job.subwordStart = start.Data();
  job.subwordRows = rows.Data();
  job.fastTextSigmoid = member<Napi::Float32Array>(object, "fastTextSigmoid", napi_float32_array, "Float32Array", 513).Data();
  std::vector<Napi::Object> keep;
  job.job = word2vec_job(info, model, vocab, keep);
  void (*kernel)(const SubwordJob&) = table_of(info).subwordTrain;
  return run(info, async, [job, kernel] { kernel(job); }, keep);
}

Napi::Value subword_train(const Napi::CallbackInfo& info) { return subword_call(info, false); }
Napi::Value subword_train_async(const Napi::CallbackInfo& info) { return subword_call(info, true); }

Napi::Value word2vec_train(const Napi::CallbackInfo& info) { return word2vec_call(info, false); }
Napi::Value word2vec_train_async(const Napi::CallbackInfo& info) { return word2vec_call(info, true); }

// gruForward(xProj, recurrent, recurrentBias, hs, saved, batch, steps, units, threads)
Napi::Value gru_forward(const Napi::CallbackInfo& info) {
  need_args(info, 9, "gruForward(xProj, recurrent, recurrentBias, hs, saved, batch, steps, units, threads)");
  int batch = integer(info, 5, "batch"), steps = integer(info, 6, "steps"), units = integer(info, 7, "units");
  size_t state = static_cast<size_t>(batch) * units, row = static_cast<size_t>(units);
  GruArgs args{};
  args.batch = batch;
  args.steps = steps;
  args.units = units;
  args.xProj = f32(info, 0, batch * steps * 3 * row, "xProj");
  args.recurrent = f32(info, 1, units * 3 * row, "recurrent");
  args.recurrentBias = f32(info, 2, 3 * row, "recurrentBias");
  args.hs = f32(info, 3, (steps + 1) * state, "hs");
  args.saved = f32(info, 4, steps * batch * 4 * row, "saved");
  args.threads = integer(info, 8, "threads");
  guarded(info, [&] { table_of(info).gruForward(args); });
  return info.Env().Undefined();
}

// gruBackward(recurrent, saved, hs, gradOut, dx, dhu, dh, wantH0, batch, steps, units, threads)
Napi::Value gru_backward(const Napi::CallbackInfo& info) {
  need_args(info, 12, "gruBackward(recurrent, saved, hs, gradOut, dx, dhu, dh, wantH0, batch, steps, units, threads)");
  int batch = integer(info, 8, "batch"), steps = integer(info, 9, "steps"), units = integer(info, 10, "units");
  size_t state = static_cast<size_t>(batch) * units, row = static_cast<size_t>(units);
  GruArgs args{};
  args.batch = batch;
  args.steps = steps;
  args.units = units;
  args.recurrent = f32(info, 0, units * 3 * row, "recurrent");
  args.saved = f32(info, 1, steps * batch * 4 * row, "saved");
  args.hs = f32(info, 2, (steps + 1) * state, "hs");
  args.gradOut = f32(info, 3, steps * state, "gradOut");
  args.dx = f32(info, 4, steps * batch * 3 * row, "dx");
  args.dhu = f32(info, 5, steps * batch * 3 * row, "dhu");
  args.dh = f32(info, 6, state, "dh");
  args.wantH0 = boolean(info, 7);
  args.threads = integer(info, 11, "threads");
  guarded(info, [&] { table_of(info).gruBackward(args); });
  return info.Env().Undefined();
}

// scanTopK(rows, rowCount, dim, queries, queryCount, k, mask, group, excluded, scores, ids, threads)
Napi::Value scan_top_k(const Napi::CallbackInfo& info) {
  need_args(info, 12, "scanTopK(rows, rowCount, dim, queries, queryCount, k, mask, group, excluded, scores, ids, threads)");
  ScanArgs a{};
  a.rowCount = integer(info, 1, "rowCount");
  a.dim = integer(info, 2, "dim");
  a.queryCount = integer(info, 4, "queryCount");
  a.k = integer(info, 5, "k");
  if (a.dim < 1) throw Napi::RangeError::New(info.Env(), "scanTopK: dim must be at least 1");
  a.rows = f32(info, 0, static_cast<size_t>(a.rowCount) * a.dim, "rows");
  a.queries = f32(info, 3, static_cast<size_t>(a.queryCount) * a.dim, "queries");
  a.mask = typed<Napi::Uint8Array, uint8_t>(info, 6, a.rowCount, "mask", napi_uint8_array, "Uint8Array", true);
  bool excludes = !(info[8].IsNull() || info[8].IsUndefined());
  a.group = excludes ? i32(info, 7, a.rowCount, "group") : nullptr;
  a.excluded = excludes ? i32(info, 8, 3 * static_cast<size_t>(a.queryCount), "excluded") : nullptr;
  size_t out = static_cast<size_t>(a.queryCount) * a.k;
  a.scores = f32(info, 9, out, "scores");
  a.ids = i32(info, 10, out, "ids");
  a.threads = integer(info, 11, "threads");
  guarded(info, [&] { table_of(info).scanTopK(a); });
  return info.Env().Undefined();
}

/** A graph handed to hnswGraph: the walk's copy and a reference that keeps the arrays it still reads alive. */
struct HnswHolder {
  HnswCopy copy;
  Napi::ObjectReference keep;
};

// hnswGraph(graph) → handle: checks a graph laid out by src/search/kernels/hnsw.ts once, for every search.
Napi::Value hnsw_graph(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  need_args(info, 1, "hnswGraph(graph)");
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "graph must be an object");
  Napi::Object object = info[0].As<Napi::Object>();
  HnswGraph g{};
  g.count = member_int(object, "count");
  g.dim = member_int(object, "dim");
  g.maxM0 = member_int(object, "maxM0");
  g.maxM = member_int(object, "maxM");
  g.entryPoint = member_int(object, "entryPoint");
  g.maxLevel = member_int(object, "maxLevel");
  g.stride8 = member_int(object, "stride8");
  g.width8 = member_int(object, "width8");
  size_t count = g.count;
  if (g.dim < 1 || g.width8 < g.dim || g.width8 % 16 != 0 || g.stride8 < g.width8 + 4 || (count > 0 && g.entryPoint >= g.count))
    throw Napi::RangeError::New(env, "hnswGraph: inconsistent sizes");
  Napi::Int32Array links0 = member<Napi::Int32Array>(object, "links0", napi_int32_array, "Int32Array", count * (g.maxM0 + 1));
  Napi::Int32Array upperStart = member<Napi::Int32Array>(object, "upperStart", napi_int32_array, "Int32Array", count);
  Napi::Int32Array upperLinks = member<Napi::Int32Array>(object, "upperLinks", napi_int32_array, "Int32Array", 0);
  g.rows8 = reinterpret_cast<const int8_t*>(
      member<Napi::Int8Array>(object, "rows8", napi_int8_array, "Int8Array", count * g.stride8).Data());
  g.rowsF = member<Napi::Float32Array>(object, "rowsF", napi_float32_array, "Float32Array", count * g.dim).Data();
  g.deleted = member<Napi::Uint8Array>(object, "deleted", napi_uint8_array, "Uint8Array", count).Data();
  g.links0 = links0.Data();
  g.upperStart = upperStart.Data();
  g.upperLinks = upperLinks.Data();
  g.upperLinkInts = upperLinks.ElementLength();
  // Every id the walk follows must name a node: checked once here.
  auto bad = [&env](const char* what) { return Napi::RangeError::New(env, std::string("hnswGraph: ") + what); };
  for (size_t node = 0; node < count; node++) {
    const int32_t* list = g.links0 + node * (g.maxM0 + 1);
    int links = list[0] & 0xffff;
    if (links > g.maxM0) throw bad("a level-0 list is longer than maxM0");
    for (int j = 1; j <= links; j++)
      if (list[j] < 0 || list[j] >= g.count) throw bad("a level-0 link is outside the graph");
    int32_t start = g.upperStart[node];
    if (start < -1 || (start >= 0 && static_cast<size_t>(start) >= g.upperLinkInts))
      throw bad("an upper-level start is outside the upper links");
  }
  for (size_t at = 0; at + g.maxM + 1 <= g.upperLinkInts; at += g.maxM + 1) {
    int links = g.upperLinks[at] & 0xffff;
    if (links > g.maxM) throw bad("an upper-level list is longer than maxM");
    for (int j = 1; j <= links; j++)
      if (g.upperLinks[at + j] < 0 || g.upperLinks[at + j] >= g.count) throw bad("an upper-level link is outside the graph");
  }
  HnswHolder* holder = nullptr;
  try {
    holder = new HnswHolder{HnswCopy(g), Napi::Persistent(object)};
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, "hnswGraph: out of memory for the graph's copy");
  }
  return Napi::External<HnswHolder>::New(env, holder, [](Napi::Env, HnswHolder* h) { delete h; });
}

// hnswSearch(graph, queries, queryCount, k, ef, rerank, int8, deletedCount, ids, scores, found, threads, walkers, starts)
Napi::Value hnsw_search(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  need_args(info, 14, "hnswSearch(graph, queries, queryCount, k, ef, rerank, int8, deletedCount, ids, scores, found, threads, walkers, starts)");
  if (!info[0].IsExternal()) throw Napi::TypeError::New(env, "graph must be a handle from hnswGraph()");
  const HnswGraph& g = info[0].As<Napi::External<HnswHolder>>().Data()->copy.graph();
  HnswSearchArgs a{};
  a.graph = &g;
  a.queryCount = integer(info, 2, "queryCount");
  a.k = integer(info, 3, "k");
  a.ef = integer(info, 4, "ef");
  a.rerank = integer(info, 5, "rerank");
  a.int8 = boolean(info, 6);
  a.deletedCount = integer(info, 7, "deletedCount");
  a.threads = integer(info, 11, "threads");
  a.walkers = integer(info, 12, "walkers");
  if (a.threads < 1) a.threads = 1;
  if (a.threads > kMaxThreads) a.threads = kMaxThreads;
  if (a.ef > g.count + 1) a.ef = g.count + 1;
  a.queries = f32(info, 1, static_cast<size_t>(a.queryCount) * g.dim, "queries");
  size_t out = static_cast<size_t>(a.queryCount) * a.k;
  a.ids = i32(info, 8, out, "ids");
  a.scores = f32(info, 9, out, "scores");
  a.found = i32(info, 10, a.queryCount, "found");
  if (!(info[13].IsNull() || info[13].IsUndefined())) {
    a.starts = i32(info, 13, a.queryCount, "starts");
    for (int q = 0; q < a.queryCount; q++)
      if (a.starts[q] < -1 || a.starts[q] >= g.count) throw Napi::RangeError::New(env, "hnswSearch: a start is not a node of the graph");
  }
  guarded(info, [&] { table_of(info).hnswSearch(a); });
  return env.Undefined();
}

// hnswBuildBatch(rows, levels, links0, upperStart, upperLinks, count, dim, M, maxM0, efConstruction, begin, end,
//                entryPoint, maxLevel, batchMates, threads)
Napi::Value hnsw_build_batch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  need_args(info, 16, "hnswBuildBatch(rows, levels, links0, upperStart, upperLinks, count, dim, M, maxM0, efConstruction, begin, end, entryPoint, maxLevel, batchMates, threads)");
  HnswBuildArgs a{};
  a.count = integer(info, 5, "count");
  a.dim = integer(info, 6, "dim");
  a.M = integer(info, 7, "M");
  a.maxM0 = integer(info, 8, "maxM0");
  a.efConstruction = integer(info, 9, "efConstruction");
  a.begin = integer(info, 10, "begin");
  a.end = integer(info, 11, "end");
  if (!info[12].IsNumber()) throw Napi::TypeError::New(env, "entryPoint must be a number");
  a.entryPoint = info[12].As<Napi::Number>().Int32Value();
  a.maxLevel = integer(info, 13, "maxLevel");
  a.batchMates = boolean(info, 14);
  a.threads = integer(info, 15, "threads");
  auto bad = [&env](const std::string& what) { return Napi::RangeError::New(env, "hnswBuildBatch: " + what); };
  if (a.dim < 1 || a.M < 2 || a.maxM0 < a.M || a.maxM0 > 65535 || a.efConstruction < 1)
    throw bad("dim ≥ 1, 2 ≤ M ≤ maxM0 ≤ 65535 and efConstruction ≥ 1 are required");
  if (a.begin > a.end || a.end > a.count || a.end - a.begin > (1 << 24))
    throw bad("the batch must lie in [0, count) and hold at most 2^24 nodes");
  if (a.begin == 0 ? a.entryPoint != -1 : (a.entryPoint < 0 || a.entryPoint >= a.begin))
    throw bad("the entry point must be a node before the batch (−1 for the first batch)");
  if (a.threads < 1) a.threads = 1;
  if (a.threads > kMaxThreads) a.threads = kMaxThreads;
  const size_t count = a.count;
  a.rows = f32(info, 0, count * a.dim, "rows");
  a.levels = i32(info, 1, count, "levels");
  a.links0 = i32(info, 2, count * (a.maxM0 + 1), "links0");
  a.upperStart = i32(info, 3, count, "upperStart");
  Napi::Int32Array upper = info[4].IsTypedArray() ? info[4].As<Napi::Int32Array>() : Napi::Int32Array();
  a.upperLinks = i32(info, 4, 0, "upperLinks");
  const size_t upperInts = upper.ElementLength();
  // every list the batch reads or writes must lie inside its array
  for (int node = 0; node < a.end; node++) {
    const int level = a.levels[node];
    if (level < 0 || level > 255) throw bad("levels must be from 0 to 255");
    if (node < a.begin && level > a.maxLevel) throw bad("a node of the graph is above its top level");
    if (level > 0 && (a.upperStart[node] < 0 ||
                      static_cast<size_t>(a.upperStart[node]) + static_cast<size_t>(level) * (a.M + 1) > upperInts))
      throw bad("a node's upper lists are outside upperLinks");
  }
  if (a.entryPoint >= 0 && a.levels[a.entryPoint] != a.maxLevel) throw bad("the entry point is not on the top level");
  guarded(info, [&] { table_of(info).hnswBuildBatch(a); });
  return env.Undefined();
}

/** The WindowArgs geometry from an Int32Array (see kernels.h; 13 values with filters), checked so every index fits. */
WindowArgs window_geometry(const Napi::CallbackInfo& info, size_t index, bool conv) {
  const int count = conv ? 13 : 12;
  const int32_t* g = i32(info, index, count, "geometry");
  for (int i = 0; i < count; i++)
    if (g[i] < 0) throw Napi::RangeError::New(info.Env(), "geometry values must not be negative");
  WindowArgs args{};
  args.batch = g[0];
  args.height = g[1];
  args.width = g[2];
  args.channels = g[3];
  args.kernelH = g[4];
  args.kernelW = g[5];
  args.strideH = g[6];
  args.strideW = g[7];
  args.padTop = g[8];
  args.padLeft = g[9];
  args.outH = g[10];
  args.outW = g[11];
  args.filters = conv ? g[12] : 0;
  if (args.kernelH < 1 || args.kernelW < 1 || args.strideH < 1 || args.strideW < 1)
    throw Napi::RangeError::New(info.Env(), "window and strides must be at least 1");
  // Positions and per-call sizes are computed in int: each must fit (reads are clipped to the image).
  int64_t farY = static_cast<int64_t>(args.outH) * args.strideH + args.kernelH + args.padTop;
  int64_t farX = static_cast<int64_t>(args.outW) * args.strideW + args.kernelW + args.padLeft;
  int64_t patch = static_cast<int64_t>(args.kernelH) * args.kernelW * args.channels;
  int64_t rows = static_cast<int64_t>(args.outH) * args.outW;
  if (static_cast<int64_t>(args.height) * args.width * args.channels > INT32_MAX || farY > INT32_MAX ||
      farX > INT32_MAX || patch > INT32_MAX || rows * (patch > args.filters ? patch : args.filters) > INT32_MAX)
    throw Napi::RangeError::New(info.Env(), "an image, window or window grid of more than 2^31 values");
  return args;
}

size_t image_values(const WindowArgs& a) { return static_cast<size_t>(a.batch) * a.height * a.width * a.channels; }
size_t output_values(const WindowArgs& a, int depth) { return static_cast<size_t>(a.batch) * a.outH * a.outW * depth; }
size_t kernel_values(const WindowArgs& a) {
  return static_cast<size_t>(a.kernelH) * a.kernelW * a.channels * a.filters;
}

// conv2dForward(geometry, x, kernel, bias, relu, y, threads)
Napi::Value conv2d_forward(const Napi::CallbackInfo& info) {
  need_args(info, 7, "conv2dForward(geometry, x, kernel, bias, relu, y, threads)");
  WindowArgs args = window_geometry(info, 0, true);
  args.x = f32(info, 1, image_values(args), "x");
  args.kernel = f32(info, 2, kernel_values(args), "kernel");
  args.bias = f32(info, 3, args.filters, "bias", true);
  args.relu = boolean(info, 4);
  args.y = f32(info, 5, output_values(args, args.filters), "y");
  args.threads = integer(info, 6, "threads");
  guarded(info, [&] { table_of(info).conv2dForward(args); });
  return info.Env().Undefined();
}

// conv2dBackward(geometry, x, kernel, relu, y, dy, dx, dkernel, dbias, threads)
Napi::Value conv2d_backward(const Napi::CallbackInfo& info) {
  need_args(info, 10, "conv2dBackward(geometry, x, kernel, relu, y, dy, dx, dkernel, dbias, threads)");
  WindowArgs args = window_geometry(info, 0, true);
  args.x = f32(info, 1, image_values(args), "x");
  args.kernel = f32(info, 2, kernel_values(args), "kernel");
  args.relu = boolean(info, 3);
  args.y = f32(info, 4, args.relu ? output_values(args, args.filters) : 0, "y", !args.relu);
  args.dy = f32(info, 5, output_values(args, args.filters), "dy");
  args.dx = f32(info, 6, image_values(args), "dx", true);
  args.dkernel = f32(info, 7, kernel_values(args), "dkernel", true);
  args.dbias = f32(info, 8, args.filters, "dbias", true);
  args.threads = integer(info, 9, "threads");
  guarded(info, [&] { table_of(info).conv2dBackward(args); });
  return info.Env().Undefined();
}

// maxPoolForward(geometry, x, y, argmax, threads)
Napi::Value max_pool_forward(const Napi::CallbackInfo& info) {
  need_args(info, 5, "maxPoolForward(geometry, x, y, argmax, threads)");
  WindowArgs args = window_geometry(info, 0, false);
  args.x = f32(info, 1, image_values(args), "x");
  args.y = f32(info, 2, output_values(args, args.channels), "y");
  args.argmax = i32(info, 3, output_values(args, args.channels), "argmax");
  args.threads = integer(info, 4, "threads");
  guarded(info, [&] { table_of(info).maxPoolForward(args); });
  return info.Env().Undefined();
}

// maxPoolBackward(geometry, dy, argmax, dx, threads)
Napi::Value max_pool_backward(const Napi::CallbackInfo& info) {
  need_args(info, 5, "maxPoolBackward(geometry, dy, argmax, dx, threads)");
  WindowArgs args = window_geometry(info, 0, false);
  args.dy = f32(info, 1, output_values(args, args.channels), "dy");
  args.argmax = i32(info, 2, output_values(args, args.channels), "argmax");
  args.dx = f32(info, 3, image_values(args), "dx");
  args.threads = integer(info, 4, "threads");
  // Every index is written through: one outside its image must not reach memory.
  const int64_t perImage = static_cast<int64_t>(args.height) * args.width * args.channels;
  for (size_t i = 0, n = output_values(args, args.channels); i < n; i++)
    if (args.argmax[i] < -1 || args.argmax[i] >= perImage)
      throw Napi::RangeError::New(info.Env(), "argmax " + std::to_string(args.argmax[i]) + " is outside the image");
  guarded(info, [&] { table_of(info).maxPoolBackward(args); });
  return info.Env().Undefined();
}

Napi::Object table_object(Napi::Env env, const KernelTable& table) {
  void* data = const_cast<KernelTable*>(&table);
  Napi::Object object = Napi::Object::New(env);
  object.Set("isa", Napi::String::New(env, table.isa));
  object.Set("gemm", Napi::Function::New(env, gemm, "gemm", data));
  object.Set("gemmAsync", Napi::Function::New(env, gemm_async, "gemmAsync", data));
  object.Set("unary", Napi::Function::New(env, unary, "unary", data));
  object.Set("sgdUpdate", Napi::Function::New(env, sgd_update, "sgdUpdate", data));
  object.Set("sumOfSquares", Napi::Function::New(env, sum_of_squares, "sumOfSquares", data));
  object.Set("logSumExpRows", Napi::Function::New(env, log_sum_exp_rows, "logSumExpRows", data));
  object.Set("sparseCrossEntropyBackward",
             Napi::Function::New(env, sparse_cross_entropy_backward, "sparseCrossEntropyBackward", data));
  object.Set("linearCrossEntropyForward",
             Napi::Function::New(env, linear_cross_entropy_forward, "linearCrossEntropyForward", data));
  object.Set("linearCrossEntropyBackward",
             Napi::Function::New(env, linear_cross_entropy_backward, "linearCrossEntropyBackward", data));
  object.Set("lstmForward", Napi::Function::New(env, lstm_forward, "lstmForward", data));
  object.Set("lstmBackward", Napi::Function::New(env, lstm_backward, "lstmBackward", data));
  object.Set("gruForward", Napi::Function::New(env, gru_forward, "gruForward", data));
  object.Set("gruBackward", Napi::Function::New(env, gru_backward, "gruBackward", data));
  object.Set("word2vecTrain", Napi::Function::New(env, word2vec_train, "word2vecTrain", data));
  object.Set("word2vecTrainAsync", Napi::Function::New(env, word2vec_train_async, "word2vecTrainAsync", data));
  object.Set("subwordTrain", Napi::Function::New(env, subword_train, "subwordTrain", data));
  object.Set("subwordTrainAsync", Napi::Function::New(env, subword_train_async, "subwordTrainAsync", data));
  object.Set("scanTopK", Napi::Function::New(env, scan_top_k, "scanTopK", data));
  object.Set("hnswGraph", Napi::Function::New(env, hnsw_graph, "hnswGraph", data));
  object.Set("hnswSearch", Napi::Function::New(env, hnsw_search, "hnswSearch", data));
  object.Set("hnswBuildBatch", Napi::Function::New(env, hnsw_build_batch, "hnswBuildBatch", data));
  object.Set("conv2dForward", Napi::Function::New(env, conv2d_forward, "conv2dForward", data));
  object.Set("conv2dBackward", Napi::Function::New(env, conv2d_backward, "conv2dBackward", data));
  object.Set("maxPoolForward", Napi::Function::New(env, max_pool_forward, "maxPoolForward", data));
  object.Set("maxPoolBackward", Napi::Function::New(env, max_pool_backward, "maxPoolBackward", data));
  return object;
}

Napi::Value info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  const KernelTable& active = active_table();
  result.Set("isa", active.isa);
  result.Set("reason", active_reason());
  int count = 0;
  const KernelTable* const* tables = supported_tables(&count);
  Napi::Array names = Napi::Array::New(env, count);
  for (int i = 0; i < count; i++) names.Set(i, tables[i]->isa);
  result.Set("supported", names);
  result.Set("threads", pool_threads());
  Napi::Array tile = Napi::Array::New(env, 2);
  tile.Set(0u, active.gemmMr);
  tile.Set(1u, active.gemmNr);
  result.Set("gemmTile", tile);
  const CpuFeatures& f = cpu_features();
  Napi::Object cpu = Napi::Object::New(env);
  cpu.Set("avx2", f.avx2);
  cpu.Set("fma", f.fma);
  cpu.Set("avx512f", f.avx512f);
  cpu.Set("avx512bw", f.avx512bw);
  cpu.Set("avx512dq", f.avx512dq);
  cpu.Set("avx512vl", f.avx512vl);
  cpu.Set("osAvx", f.osAvx);
  cpu.Set("osAvx512", f.osAvx512);
  cpu.Set("neon", f.neon);
  result.Set("cpu", cpu);
  return result;
}

Napi::Value set_threads(const Napi::CallbackInfo& info) {
  set_pool_threads(integer(info, 0, "threads"));
  return Napi::Number::New(info.Env(), pool_threads());
}

/**
 * glibc hands a large freed block (128 KiB up to a threshold that grows to 32 MiB) back to the OS, and
 * trims the heap's free top above 2× that; a training step allocates and frees tens of MB of
 * Float32Arrays (gradients, saved activations), so each step's buffers came back as fresh pages that the
 * kernel faulted in and zeroed (~2,500 page faults per PTB language-model window). Keeping blocks up to
 * 32 MiB in the heap, and up to 256 MiB of free heap top, lets the next step reuse them. Left alone when
 * the user set glibc's own malloc tuning (MALLOC_*_ variables or glibc.malloc tunables).
 */
void keep_freed_blocks() {
#if defined(__GLIBC__)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if ((tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) ||
      std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr || std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr)
    return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  keep_freed_blocks();
  exports.Set("info", Napi::Function::New(env, info, "info"));
  exports.Set("setThreads", Napi::Function::New(env, set_threads, "setThreads"));
  exports.Set("kernels", table_object(env, active_table()));
  Napi::Object tables = Napi::Object::New(env);
  int count = 0;
  const KernelTable* const* supported = supported_tables(&count);
  for (int i = 0; i < count; i++) tables.Set(supported[i]->isa, table_object(env, *supported[i]));
  exports.Set("tables", tables);
  return exports;
}

}  // namespace
}  // namespace verbo

static Napi::Object InitVerbo(Napi::Env env, Napi::Object exports) { return verbo::init(env, exports); }

NODE_API_MODULE(verbo, InitVerbo)
