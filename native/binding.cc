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
//   word2vecTrain(model, ids, ends, pieceEnds, alphas, rng, results, threads)
//   word2vecTrainAsync(...same) → Promise         one job of the word2vec trainer (kernels.h)
// Argument order and meaning are documented once, in src/native/index.ts.
#include <napi.h>

#include <cstdint>
#include <exception>
#include <functional>
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

int integer(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  int64_t value = info[index].As<Napi::Number>().Int64Value();
  if (value < 0 || value > INT32_MAX)
    throw Napi::RangeError::New(info.Env(), std::string(name) + " is out of range");
  return static_cast<int>(value);
}

/** A typed array of element type `type` (e.g. napi_int32_array) holding at least `needed` values. */
template <typename T>
Napi::TypedArrayOf<T> typed(Napi::Env env, Napi::Value value, napi_typedarray_type type, size_t needed,
                            const std::string& name, const char* typeName) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type)
    throw Napi::TypeError::New(env, name + " must be a " + typeName);
  Napi::TypedArrayOf<T> array = value.As<Napi::TypedArrayOf<T>>();
  if (array.ElementLength() < needed)
    throw Napi::RangeError::New(env, name + " holds " + std::to_string(array.ElementLength()) + " values, needs " +
                                         std::to_string(needed));
  return array;
}

int int_property(Napi::Object object, const char* key) {
  Napi::Value value = object.Get(key);
  if (!value.IsNumber()) throw Napi::TypeError::New(object.Env(), std::string(key) + " must be a number");
  int64_t n = value.As<Napi::Number>().Int64Value();
  if (n < 0 || n > INT32_MAX) throw Napi::RangeError::New(object.Env(), std::string(key) + " is out of range");
  return static_cast<int>(n);
}

bool bool_property(Napi::Object object, const char* key) { return object.Get(key).ToBoolean().Value(); }

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

// word2vecTrain(model, ids, ends, pieceEnds, alphas, rng, results, threads): model is the object
// src/embeddings/kernels/word2vec.ts builds (sizes, flags, weight matrices and tables).
Napi::Value word2vec_call(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  const KernelTable& table = table_of(info);
  if (info.Length() < 8 || !info[0].IsObject())
    throw Napi::TypeError::New(env, "word2vecTrain(model, ids, ends, pieceEnds, alphas, rng, results, threads)");
  Napi::Object model = info[0].As<Napi::Object>();
  Word2VecModel m{};
  int vocab = int_property(model, "vocabSize");
  m.dim = int_property(model, "dim");
  m.window = int_property(model, "window");
  m.negative = int_property(model, "negative");
  m.hs = bool_property(model, "hs");
  m.cbow = bool_property(model, "cbow");
  m.exactSigmoid = bool_property(model, "exactSigmoid");
  if (m.dim < 1 || m.window < 1 || vocab < 1) throw Napi::RangeError::New(env, "word2vec: dim, window and vocabSize must be ≥ 1");
  size_t matrix = static_cast<size_t>(vocab) * m.dim;
  m.input = typed<float>(env, model.Get("input"), napi_float32_array, matrix, "input", "Float32Array").Data();
  m.sigmoid = typed<float>(env, model.Get("sigmoid"), napi_float32_array, 1001, "sigmoid", "Float32Array").Data();
  m.logSigmoid = typed<float>(env, model.Get("logSigmoid"), napi_float32_array, 1001, "logSigmoid", "Float32Array").Data();
  m.keep = typed<float>(env, model.Get("keep"), napi_float32_array, vocab, "keep", "Float32Array").Data();
  if (m.negative > 0) {
    m.output = typed<float>(env, model.Get("output"), napi_float32_array, matrix, "output", "Float32Array").Data();
    m.noiseSize = static_cast<uint32_t>(vocab);
    m.noise = typed<uint32_t>(env, model.Get("noise"), napi_uint32_array, 2 * static_cast<size_t>(vocab), "noise", "Uint32Array").Data();
  }
  if (m.hs) {
    m.hsWeights = typed<float>(env, model.Get("hsWeights"), napi_float32_array, matrix - m.dim, "hsWeights", "Float32Array").Data();
    m.codeStart = typed<int32_t>(env, model.Get("codeStart"), napi_int32_array, vocab, "codeStart", "Int32Array").Data();
    m.codeLength = typed<int32_t>(env, model.Get("codeLength"), napi_int32_array, vocab, "codeLength", "Int32Array").Data();
    Napi::Int32Array points = typed<int32_t>(env, model.Get("points"), napi_int32_array, 0, "points", "Int32Array");
    m.points = points.Data();
    m.codes = typed<uint8_t>(env, model.Get("codes"), napi_uint8_array, points.ElementLength(), "codes", "Uint8Array").Data();
    for (int w = 0; w < vocab; w++)
      if (m.codeStart[w] < 0 || m.codeLength[w] < 0 ||
          static_cast<size_t>(m.codeStart[w]) + m.codeLength[w] > points.ElementLength())
        throw Napi::RangeError::New(env, "word2vec: a Huffman code lies outside points");
  }
  Napi::Int32Array ids = typed<int32_t>(env, info[1], napi_int32_array, 0, "ids", "Int32Array");
  Napi::Int32Array ends = typed<int32_t>(env, info[2], napi_int32_array, 0, "ends", "Int32Array");
  Napi::Int32Array pieceEnds = typed<int32_t>(env, info[3], napi_int32_array, 0, "pieceEnds", "Int32Array");
  int pieces = static_cast<int>(pieceEnds.ElementLength());
  Napi::Float32Array alphas = typed<float>(env, info[4], napi_float32_array, pieces, "alphas", "Float32Array");
  Napi::BigUint64Array rng = typed<uint64_t>(env, info[5], napi_biguint64_array, pieces, "rng", "BigUint64Array");
  Napi::Float64Array results = typed<double>(env, info[6], napi_float64_array, 3 * static_cast<size_t>(pieces), "results", "Float64Array");
  int threads = integer(info, 7, "threads");
  // Everything the loop indexes by is checked here, once per job: a bad id must not reach memory.
  for (size_t k = 0; k < ids.ElementLength(); k++)
    if (ids[k] < 0 || ids[k] >= vocab) throw Napi::RangeError::New(env, "word2vec: a word id is outside the vocabulary");
  for (size_t s = 0, last = 0; s < ends.ElementLength(); s++) {
    if (ends[s] < static_cast<int32_t>(last) || static_cast<size_t>(ends[s]) > ids.ElementLength())
      throw Napi::RangeError::New(env, "word2vec: sentence ends must rise and stay within ids");
    last = ends[s];
  }
  for (int p = 0, last = 0; p < pieces; p++) {
    if (pieceEnds[p] < last || static_cast<size_t>(pieceEnds[p]) > ends.ElementLength())
      throw Napi::RangeError::New(env, "word2vec: piece ends must rise and stay within ends");
    last = pieceEnds[p];
  }
  Word2VecJob job{m, ids.Data(), ends.Data(), pieces, pieceEnds.Data(), alphas.Data(), rng.Data(), results.Data(),
                  threads < 1 ? 1 : threads};
  void (*kernel)(const Word2VecJob&) = table.word2vecTrain;
  return run(info, async, [job, kernel] { kernel(job); }, {model, ids, ends, pieceEnds, alphas, rng, results});
}

Napi::Value word2vec_train(const Napi::CallbackInfo& info) { return word2vec_call(info, false); }
Napi::Value word2vec_train_async(const Napi::CallbackInfo& info) { return word2vec_call(info, true); }

Napi::Object table_object(Napi::Env env, const KernelTable& table) {
  void* data = const_cast<KernelTable*>(&table);
  Napi::Object object = Napi::Object::New(env);
  object.Set("isa", Napi::String::New(env, table.isa));
  object.Set("gemm", Napi::Function::New(env, gemm, "gemm", data));
  object.Set("gemmAsync", Napi::Function::New(env, gemm_async, "gemmAsync", data));
  object.Set("word2vecTrain", Napi::Function::New(env, word2vec_train, "word2vecTrain", data));
  object.Set("word2vecTrainAsync", Napi::Function::New(env, word2vec_train_async, "word2vecTrainAsync", data));
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
