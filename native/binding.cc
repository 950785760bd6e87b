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
//   logSumExpRows(x, rows, cols, lse, threads)
//   sparseCrossEntropyBackward(x, rows, cols, targets, lse, rowGrad, dx, threads)
//   linearCrossEntropyForward(x, w, wTransposed, bias, targets, logits, stats, losses, rows, k, n, threads)
//   linearCrossEntropyBackward(x, w, wTransposed, targets, logits, stats, rowGradient, dx, accumulateX,
//                              dw, accumulateW, db, rows, k, n, threads)      (dx, dw, db may be null)
//   lstmForward(xProj, recurrent, hs, cs, tanhCells, gates, batch, steps, units, threads)
//   lstmBackward(recurrent, gates, cs, tanhCells, gradOut, dz, dh, dc, wantH0, batch, steps, units, threads)
//   subwordTrain(model, ids[], ends[], alphas, rngStates, results, threads), subwordTrainAsync(...same)
//                                                 chunks of the subword (fastText) loop; `model` from
//   subwordModel({...})                           the checked model handle subwordTrain takes
// Argument order and meaning are documented once, in src/native/index.ts; sizes in kernels.h.
#include <napi.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dispatch.h"
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

/** A typed array of the given type and at least `needed` elements (a Napi error names the argument otherwise). */
template <typename T>
Napi::TypedArrayOf<T> typed_value(Napi::Env env, Napi::Value value, napi_typedarray_type type, size_t needed,
                            const std::string& name, const char* expected) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type)
    throw Napi::TypeError::New(env, name + " must be " + expected);
  Napi::TypedArrayOf<T> array = value.As<Napi::TypedArrayOf<T>>();
  if (array.ElementLength() < needed)
    throw Napi::RangeError::New(env, name + " holds " + std::to_string(array.ElementLength()) + " values, needs " +
                                         std::to_string(needed));
  return array;
}

/** A subword model checked once: its struct, the arrays it points into (kept alive), its row counts. */
struct SubwordHandle {
  SubwordModel model;
  int words;
  std::vector<Napi::ObjectReference> keep;
};

// subwordModel({dim, window, negative, hs, cbow, input, output, hsWeights, subwordStart, subwordRows,
//               noise, keep, codeStart, codeLength, codes, points, sigmoid}) → handle
// Every index the loop will follow is checked here, so the loop itself never leaves its arrays.
Napi::Value subword_model(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "subwordModel({...})");
  Napi::Object spec = info[0].As<Napi::Object>();
  auto number = [&](const char* name, int64_t min, int64_t max) {
    Napi::Value value = spec.Get(name);
    if (!value.IsNumber()) throw Napi::TypeError::New(env, std::string(name) + " must be a number");
    int64_t n = value.As<Napi::Number>().Int64Value();
    if (n < min || n > max) throw Napi::RangeError::New(env, std::string(name) + " is out of range");
    return static_cast<int>(n);
  };
  auto handle = new SubwordHandle();
  try {
    SubwordModel& m = handle->model;
    m.dim = number("dim", 1, 1 << 20);
    m.window = number("window", 1, 1 << 20);
    m.negative = number("negative", 0, 1 << 20);
    m.hs = spec.Get("hs").ToBoolean();
    m.cbow = spec.Get("cbow").ToBoolean();
    const size_t dim = static_cast<size_t>(m.dim);
    auto i32 = [&](const char* name, size_t needed) {
      auto a = typed_value<int32_t>(env, spec.Get(name), napi_int32_array, needed, name, "an Int32Array");
      handle->keep.push_back(Napi::Persistent(a.As<Napi::Object>()));
      return a;
    };
    auto f32 = [&](const char* name, size_t needed) {
      auto a = typed_value<float>(env, spec.Get(name), napi_float32_array, needed, name, "a Float32Array");
      handle->keep.push_back(Napi::Persistent(a.As<Napi::Object>()));
      return a;
    };
    Napi::Int32Array start = i32("subwordStart", 1);
    const int words = static_cast<int>(start.ElementLength()) - 1;
    handle->words = words;
    Napi::Float32Array input = f32("input", 0);
    const size_t inputRows = input.ElementLength() / dim;
    Napi::Int32Array rows = i32("subwordRows", start[words]);
    for (int w = 0; w < words; w++)
      if (start[w] < 0 || start[w] > start[w + 1]) throw Napi::RangeError::New(env, "subwordStart must ascend from 0");
    for (int k = 0; k < start[words]; k++)
      if (rows[k] < 0 || static_cast<size_t>(rows[k]) >= inputRows)
        throw Napi::RangeError::New(env, "subwordRows holds a row outside the input matrix");
    m.input = input.Data();
    m.subwordStart = start.Data();
    m.subwordRows = rows.Data();
    m.keep = f32("keep", words).Data();
    m.sigmoid = f32("sigmoid", 513).Data();
    m.output = f32("output", m.negative > 0 ? words * dim : 0).Data();
    auto noise = typed_value<uint32_t>(env, spec.Get("noise"), napi_uint32_array, m.negative > 0 ? 2 * words : 0,
                                 "noise", "a Uint32Array");
    handle->keep.push_back(Napi::Persistent(noise.As<Napi::Object>()));
    m.noise = noise.Data();
    m.noiseBins = m.negative > 0 ? static_cast<uint32_t>(words) : 0;
    for (size_t b = 0; b < m.noiseBins; b++)
      if (noise[2 * b + 1] >= static_cast<uint32_t>(words)) throw Napi::RangeError::New(env, "noise holds an alias outside the vocabulary");
    Napi::Float32Array hsWeights = f32("hsWeights", 0);
    m.hsWeights = hsWeights.Data();
    Napi::Int32Array codeStart = i32("codeStart", m.hs ? words : 0);
    Napi::Int32Array codeLength = i32("codeLength", m.hs ? words : 0);
    auto codes = typed_value<uint8_t>(env, spec.Get("codes"), napi_uint8_array, 0, "codes", "a Uint8Array");
    handle->keep.push_back(Napi::Persistent(codes.As<Napi::Object>()));
    Napi::Int32Array points = i32("points", 0);
    if (m.hs) {
      const size_t nodes = hsWeights.ElementLength() / dim;
      for (int w = 0; w < words; w++) {
        const int64_t from = codeStart[w], to = from + codeLength[w];
        if (from < 0 || codeLength[w] < 0 || static_cast<size_t>(to) > codes.ElementLength() ||
            static_cast<size_t>(to) > points.ElementLength())
          throw Napi::RangeError::New(env, "codeStart/codeLength point outside codes or points");
        for (int64_t k = from; k < to; k++)
          if (points[k] < 0 || static_cast<size_t>(points[k]) >= nodes)
            throw Napi::RangeError::New(env, "points holds a node outside hsWeights");
      }
    }
    m.codeStart = codeStart.Data();
    m.codeLength = codeLength.Data();
    m.codes = codes.Data();
    m.points = points.Data();
  } catch (...) {
    delete handle;
    throw;
  }
  return Napi::External<SubwordHandle>::New(env, handle, [](Napi::Env, SubwordHandle* h) { delete h; });
}

// subwordTrain(handle, ids[], ends[], alphas, rngStates, results, threads)   (async: → Promise)
// Trains chunk i (ids[i], ends[i]) at alphas[i] from rngStates[i] (BigUint64Array, updated in place);
// results[3i .. 3i+2] = words kept, loss sum, examples.
Napi::Value subword_train_call(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  const KernelTable& table = table_of(info);
  if (info.Length() < 7 || !info[0].IsExternal() || !info[1].IsArray() || !info[2].IsArray())
    throw Napi::TypeError::New(env, "subwordTrain(model, ids[], ends[], alphas, rngStates, results, threads)");
  SubwordHandle* handle = info[0].As<Napi::External<SubwordHandle>>().Data();
  Napi::Array idsList = info[1].As<Napi::Array>(), endsList = info[2].As<Napi::Array>();
  const uint32_t count = idsList.Length();
  if (endsList.Length() != count) throw Napi::RangeError::New(env, "ids and ends must list the same chunks");
  auto alphas = typed_value<double>(env, info[3], napi_float64_array, count, "alphas", "a Float64Array");
  auto rng = typed_value<uint64_t>(env, info[4], napi_biguint64_array, count, "rngStates", "a BigUint64Array");
  auto results = typed_value<double>(env, info[5], napi_float64_array, 3 * count, "results", "a Float64Array");
  const int threads = integer(info, 6, "threads");
  auto chunks = std::make_shared<std::vector<SubwordChunk>>(count);
  std::vector<Napi::Object> keep = {info[0].As<Napi::Object>(), alphas, rng, results};
  for (uint32_t i = 0; i < count; i++) {
    auto ids = typed_value<int32_t>(env, idsList.Get(i), napi_int32_array, 0, "ids[" + std::to_string(i) + "]", "an Int32Array");
    auto ends = typed_value<int32_t>(env, endsList.Get(i), napi_int32_array, 0, "ends[" + std::to_string(i) + "]", "an Int32Array");
    for (size_t k = 0; k < ids.ElementLength(); k++)
      if (ids[k] < 0 || ids[k] >= handle->words) throw Napi::RangeError::New(env, "ids holds a word outside the vocabulary");
    SubwordChunk& c = (*chunks)[i];
    c.ids = ids.Data();
    c.words = static_cast<int>(ids.ElementLength());
    c.ends = ends.Data();
    c.sentences = static_cast<int>(ends.ElementLength());
    c.alpha = static_cast<float>(alphas[i]);
    c.rng = rng[i];
    keep.push_back(ids);
    keep.push_back(ends);
  }
  const SubwordModel* model = &handle->model;
  void (*kernel)(const SubwordArgs&) = table.subwordTrain;
  uint64_t* rngOut = rng.Data();
  double* resultsOut = results.Data();
  return run(
      info, async,
      [chunks, model, kernel, rngOut, resultsOut, count, threads] {
        SubwordArgs args{model, chunks->data(), static_cast<int>(count), threads < 1 ? 1 : threads};
        kernel(args);
        for (uint32_t i = 0; i < count; i++) {
          const SubwordChunk& c = (*chunks)[i];
          rngOut[i] = c.rng;
          resultsOut[3 * i] = c.kept;
          resultsOut[3 * i + 1] = c.lossSum;
          resultsOut[3 * i + 2] = c.examples;
        }
      },
      keep);
}

Napi::Value subword_train(const Napi::CallbackInfo& info) { return subword_train_call(info, false); }
Napi::Value subword_train_async(const Napi::CallbackInfo& info) { return subword_train_call(info, true); }

Napi::Object table_object(Napi::Env env, const KernelTable& table) {
  void* data = const_cast<KernelTable*>(&table);
  Napi::Object object = Napi::Object::New(env);
  object.Set("isa", Napi::String::New(env, table.isa));
  object.Set("gemm", Napi::Function::New(env, gemm, "gemm", data));
  object.Set("gemmAsync", Napi::Function::New(env, gemm_async, "gemmAsync", data));
  object.Set("unary", Napi::Function::New(env, unary, "unary", data));
  object.Set("logSumExpRows", Napi::Function::New(env, log_sum_exp_rows, "logSumExpRows", data));
  object.Set("sparseCrossEntropyBackward",
             Napi::Function::New(env, sparse_cross_entropy_backward, "sparseCrossEntropyBackward", data));
  object.Set("linearCrossEntropyForward",
             Napi::Function::New(env, linear_cross_entropy_forward, "linearCrossEntropyForward", data));
  object.Set("linearCrossEntropyBackward",
             Napi::Function::New(env, linear_cross_entropy_backward, "linearCrossEntropyBackward", data));
  object.Set("lstmForward", Napi::Function::New(env, lstm_forward, "lstmForward", data));
  object.Set("lstmBackward", Napi::Function::New(env, lstm_backward, "lstmBackward", data));
  object.Set("subwordModel", Napi::Function::New(env, subword_model, "subwordModel", data));
  object.Set("subwordTrain", Napi::Function::New(env, subword_train, "subwordTrain", data));
  object.Set("subwordTrainAsync", Napi::Function::New(env, subword_train_async, "subwordTrainAsync", data));
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

Napi::Object init(Napi::Env env, Napi::Object exports) {
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
