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

Napi::Object table_object(Napi::Env env, const KernelTable& table) {
  void* data = const_cast<KernelTable*>(&table);
  Napi::Object object = Napi::Object::New(env);
  object.Set("isa", Napi::String::New(env, table.isa));
  object.Set("gemm", Napi::Function::New(env, gemm, "gemm", data));
  object.Set("gemmAsync", Napi::Function::New(env, gemm_async, "gemmAsync", data));
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
