//! Metering by loop iterations and calls: a fuel counter that every loop iteration and every
//! function entry decrements, and that traps the run when it is spent.
//!
//! Why not wasmer's own `Metering`: it settles a cost at the end of every basic block, and the
//! verifier's hot code is graph rewriting (tract optimising a model), where blocks are a few
//! instructions long. There the bookkeeping costs as much as the work. Charging only where
//! control can come back to code it has already run still bounds a run: between two charges a
//! function runs straight-line code and forward branches only, so at most its own length in
//! operators, and every way to run unboundedly long passes a loop header or a call. A run with
//! `n` points therefore executes at most `n` times the longest function's length, and the limit
//! is the same on every machine, so a hostile model is stopped at the same place everywhere.
//!
//! One operator does unbounded work without a loop: `memory.copy` and `memory.fill` (the bulk-memory
//! instructions Rust's `memcpy` and `memset` compile to) take their length at run time. They are
//! charged a point per 64 bytes, so copying a large tensor over and over uses up the budget too.
//!
//! The counter and an "exhausted" flag are globals the middleware adds to the module and exports
//! (`poi_fuel_remaining`, `poi_fuel_exhausted`), so the host can set the budget per run and tell
//! a spent budget from any other trap. A third, private global holds a bulk operation's length
//! while it is charged (a middleware cannot add locals).

use std::sync::Mutex;

use wasmer::sys::{FunctionMiddleware, MiddlewareError, MiddlewareReaderState, ModuleMiddleware};
use wasmer::wasmparser::{BlockType, Operator};
use wasmer::{
    AsStoreMut, ExportIndex, GlobalInit, GlobalType, Instance, LocalFunctionIndex, ModuleInfo,
    Mutability, Type, Value,
};

const REMAINING: &str = "poi_fuel_remaining";
const EXHAUSTED: &str = "poi_fuel_exhausted";
/// Names what this middleware inserts, for caches of compiled code: change it with the scheme.
pub const SCHEME: &str = "fuel-loop-call-bulk64";
/// `memory.copy` and `memory.fill` cost `len >> BYTES_PER_POINT_LOG2` points.
pub const BYTES_PER_POINT_LOG2: i32 = 6;

/// The module middleware: one per compiled module, since the globals it adds are that module's.
#[derive(Debug, Default)]
pub struct LoopMetering {
    globals: Mutex<Option<FuelGlobals>>,
}

#[derive(Debug, Clone, Copy)]
struct FuelGlobals {
    remaining: u32,
    exhausted: u32,
    bulk_len: u32,
}

impl ModuleMiddleware for LoopMetering {
    fn transform_module_info(&self, info: &mut ModuleInfo) -> Result<(), MiddlewareError> {
        let mut globals = self
            .globals
            .lock()
            .map_err(|_| MiddlewareError::new("LoopMetering", "poisoned"))?;
        if globals.is_some() {
            return Err(MiddlewareError::new(
                "LoopMetering",
                "one LoopMetering instance meters one module",
            ));
        }
        // The budget starts at zero: a run is only possible after the host grants one.
        *globals = Some(FuelGlobals {
            remaining: add_exported_global(info, REMAINING, Type::I64, GlobalInit::I64Const(0)),
            exhausted: add_exported_global(info, EXHAUSTED, Type::I32, GlobalInit::I32Const(0)),
            bulk_len: {
                let index = info
                    .globals
                    .push(GlobalType::new(Type::I32, Mutability::Var));
                info.global_initializers.push(GlobalInit::I32Const(0));
                index.as_u32()
            },
        });
        Ok(())
    }

    fn generate_function_middleware<'a>(
        &self,
        _: LocalFunctionIndex,
    ) -> Box<dyn FunctionMiddleware<'a> + 'a> {
        // transform_module_info runs before any function is translated.
        let globals = self
            .globals
            .lock()
            .ok()
            .and_then(|g| *g)
            .expect("transform_module_info runs before functions are translated");
        Box::new(FunctionFuel {
            globals,
            entered: false,
        })
    }
}

fn add_exported_global(info: &mut ModuleInfo, name: &str, ty: Type, init: GlobalInit) -> u32 {
    let index = info.globals.push(GlobalType::new(ty, Mutability::Var));
    info.global_initializers.push(init);
    info.exports
        .insert(name.to_string(), ExportIndex::Global(index));
    index.as_u32()
}

#[derive(Debug)]
struct FunctionFuel {
    globals: FuelGlobals,
    entered: bool,
}

impl FunctionFuel {
    /// `if remaining == 0 { exhausted = 1; trap } remaining -= 1`
    fn charge<'a>(&self, state: &mut MiddlewareReaderState<'a>) {
        state.extend([
            Operator::GlobalGet {
                global_index: self.globals.remaining,
            },
            Operator::I64Eqz,
        ]);
        self.trap_if_spent(state);
        self.take(state, [Operator::I64Const { value: 1 }]);
    }

    /// Before `memory.copy` or `memory.fill`, whose length is on top of the stack:
    /// `if remaining < len >> k { exhausted = 1; trap } remaining -= len >> k`.
    fn charge_bulk<'a>(&self, state: &mut MiddlewareReaderState<'a>) {
        let bulk_len = self.globals.bulk_len;
        let cost = [
            Operator::GlobalGet {
                global_index: bulk_len,
            },
            Operator::I32Const {
                value: BYTES_PER_POINT_LOG2,
            },
            Operator::I32ShrU,
            Operator::I64ExtendI32U,
        ];
        // Park the length and put it back: the operation still needs it.
        state.extend([
            Operator::GlobalSet {
                global_index: bulk_len,
            },
            Operator::GlobalGet {
                global_index: bulk_len,
            },
            Operator::GlobalGet {
                global_index: self.globals.remaining,
            },
        ]);
        state.extend(cost.clone());
        state.extend([Operator::I64LtU]);
        self.trap_if_spent(state);
        self.take(state, cost);
    }

    /// `if <condition on the stack> { exhausted = 1; trap }`
    fn trap_if_spent<'a>(&self, state: &mut MiddlewareReaderState<'a>) {
        state.extend([
            Operator::If {
                blockty: BlockType::Empty,
            },
            Operator::I32Const { value: 1 },
            Operator::GlobalSet {
                global_index: self.globals.exhausted,
            },
            Operator::Unreachable,
            Operator::End,
        ]);
    }

    /// `remaining -= <cost>`, the cost pushed by `cost`.
    fn take<'a>(
        &self,
        state: &mut MiddlewareReaderState<'a>,
        cost: impl IntoIterator<Item = Operator<'a>>,
    ) {
        let remaining = self.globals.remaining;
        state.extend([Operator::GlobalGet {
            global_index: remaining,
        }]);
        state.extend(cost);
        state.extend([
            Operator::I64Sub,
            Operator::GlobalSet {
                global_index: remaining,
            },
        ]);
    }
}

impl<'a> FunctionMiddleware<'a> for FunctionFuel {
    fn feed(
        &mut self,
        operator: Operator<'a>,
        state: &mut MiddlewareReaderState<'a>,
    ) -> Result<(), MiddlewareError> {
        // A call is charged on entry to the callee, so indirect calls and recursion are too.
        if !self.entered {
            self.entered = true;
            self.charge(state);
        }
        if matches!(
            operator,
            Operator::MemoryCopy { .. } | Operator::MemoryFill { .. }
        ) {
            self.charge_bulk(state);
        }
        // A branch back to a loop lands just after its `loop`: the charge goes there.
        let is_loop = matches!(operator, Operator::Loop { .. });
        state.push_operator(operator);
        if is_loop {
            self.charge(state);
        }
        Ok(())
    }
}

/// The most operators a run can execute between two charges: the length of `wasm`'s longest
/// function body. Between two charges code only runs forward (a backward branch lands on a
/// charged loop header, a call on a charged entry), so it executes each operator of one body at
/// most once. A run granted `n` points traps at its `n + 1`-th charge, so it executes at most
/// `(n + 1)` times this many operators, and stops at most this many after its budget is spent.
pub fn longest_uncharged_stretch(wasm: &[u8]) -> Result<u64, String> {
    use wasmer::wasmparser::{Parser, Payload};
    let mut longest = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CodeSectionEntry(body) = payload.map_err(|e| e.to_string())? {
            let mut operators = body.get_operators_reader().map_err(|e| e.to_string())?;
            let mut count = 0u64;
            while !operators.eof() {
                operators.read().map_err(|e| e.to_string())?;
                count += 1;
            }
            longest = longest.max(count);
        }
    }
    Ok(longest)
}

/// How much of a run's budget is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fuel {
    Remaining(u64),
    Exhausted,
}

fn global(instance: &Instance, name: &str) -> Result<wasmer::Global, String> {
    instance
        .exports
        .get_global(name)
        .cloned()
        .map_err(|e| format!("{name}: {e}"))
}

/// Grants `points` to the next run of `instance`.
pub fn set_fuel(
    store: &mut impl AsStoreMut,
    instance: &Instance,
    points: u64,
) -> Result<(), String> {
    // The inserted code compares the counter as unsigned, so the cast keeps the full u64 range.
    global(instance, REMAINING)?
        .set(store, Value::I64(points as i64))
        .map_err(|e| e.to_string())?;
    global(instance, EXHAUSTED)?
        .set(store, Value::I32(0))
        .map_err(|e| e.to_string())
}

/// What is left of the budget granted by [`set_fuel`].
pub fn fuel(store: &mut impl AsStoreMut, instance: &Instance) -> Result<Fuel, String> {
    match (
        global(instance, EXHAUSTED)?.get(store),
        global(instance, REMAINING)?.get(store),
    ) {
        (Value::I32(0), Value::I64(left)) => Ok(Fuel::Remaining(left as u64)),
        (Value::I32(_), Value::I64(_)) => Ok(Fuel::Exhausted),
        other => Err(format!("fuel globals of the wrong type: {other:?}")),
    }
}
