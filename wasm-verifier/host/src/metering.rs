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
//! Where the counter lives: the host rewrites the module before compiling it ([`instrument`]).
//! The counter and an "exhausted" flag are globals it adds and exports (`poi_fuel_remaining`,
//! `poi_fuel_exhausted`), so the host can set the budget per run and tell a spent budget from any
//! other trap. Inside a function the counter is a local: loaded from the global on entry and after
//! every call, stored back before every call, return and branch out of the function. A local stays
//! in a register through a loop, where a global is a load and a store of the instance's memory at
//! every iteration, a chain the CPU cannot overlap (it cost a third of the PP-OCR detector's
//! verification). The charges are the same either way, so a run uses the same points; only after
//! a trap other than a spent budget does the global lag (it holds what it held at the trapping
//! function's entry or last call), and such a run has no points to report.

use wasm_encoder::reencode::{Error as ReencodeError, Reencode, utils};
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, ExportKind, ExportSection, Function, GlobalSection,
    GlobalType, Instruction, Module, SectionId, ValType,
};
use wasmer::wasmparser::{self, Operator, Parser, Payload};
use wasmer::{AsStoreMut, Instance, Value};

const REMAINING: &str = "poi_fuel_remaining";
const EXHAUSTED: &str = "poi_fuel_exhausted";
/// Names what [`instrument`] inserts, for caches of compiled code: change it with the scheme.
pub const SCHEME: &str = "fuel-local-loop-call-bulk64";
/// `memory.copy` and `memory.fill` cost `len >> BYTES_PER_POINT_LOG2` points.
pub const BYTES_PER_POINT_LOG2: i32 = 6;

/// Why a module could not be metered. Nothing is compiled from it.
#[derive(Debug, thiserror::Error)]
pub enum MeteringError {
    #[error("malformed module: {0}")]
    Malformed(String),
    /// Control flow the meter does not follow (exceptions, GC branches): refused rather than
    /// metered wrongly.
    #[error("the meter does not support `{0}`")]
    Unsupported(String),
}

impl From<wasmparser::BinaryReaderError> for MeteringError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        MeteringError::Malformed(e.to_string())
    }
}

impl From<ReencodeError<MeteringError>> for MeteringError {
    fn from(e: ReencodeError<MeteringError>) -> Self {
        match e {
            ReencodeError::UserError(e) => e,
            ReencodeError::ParseError(e) => MeteringError::Malformed(e.to_string()),
            other => MeteringError::Malformed(other.to_string()),
        }
    }
}

/// Returns `wasm` with the meter inserted: the two exported globals, and in every function a
/// charge on entry, after every `loop` and before every bulk memory operation.
pub fn instrument(wasm: &[u8]) -> Result<Vec<u8>, MeteringError> {
    let layout = Layout::read(wasm)?;
    let mut meter = Meter {
        remaining: layout.globals,
        exhausted: layout.globals + 1,
        params: layout.params,
        next_body: 0,
        globals_added: false,
        exports_added: false,
    };
    let mut module = Module::new();
    meter.parse_core_module(&mut module, Parser::new(0), wasm)?;
    if !(meter.globals_added && meter.exports_added) {
        return Err(MeteringError::Malformed("sections out of order".into()));
    }
    Ok(module.finish())
}

/// What the rewrite needs to know before it reaches the code: how many globals there are (the
/// meter's come after them) and how many parameters each function has (its locals follow them).
struct Layout {
    globals: u32,
    params: Vec<u32>,
}

impl Layout {
    fn read(wasm: &[u8]) -> Result<Layout, MeteringError> {
        let (mut types, mut globals, mut params) = (Vec::new(), 0, Vec::new());
        for payload in Parser::new(0).parse_all(wasm) {
            match payload? {
                Payload::TypeSection(section) => {
                    for ty in section.into_iter_err_on_gc_types() {
                        types.push(ty?.params().len() as u32);
                    }
                }
                Payload::ImportSection(section) => {
                    for import in section.into_imports() {
                        if let wasmparser::TypeRef::Global(_) = import?.ty {
                            globals += 1;
                        }
                    }
                }
                Payload::FunctionSection(section) => {
                    for ty in section {
                        let ty = ty? as usize;
                        let n = types.get(ty).ok_or_else(|| {
                            MeteringError::Malformed(format!("function of unknown type {ty}"))
                        })?;
                        params.push(*n);
                    }
                }
                Payload::GlobalSection(section) => globals += section.count(),
                _ => {}
            }
        }
        Ok(Layout { globals, params })
    }
}

struct Meter {
    remaining: u32,
    exhausted: u32,
    /// Parameters of each function defined in the module, in code section order.
    params: Vec<u32>,
    next_body: usize,
    globals_added: bool,
    exports_added: bool,
}

/// Where a section goes in a module's binary order (tags and data count sit between the numbers).
fn rank(section: Option<SectionId>) -> u32 {
    match section {
        None => u32::MAX,
        Some(SectionId::Tag) => 55,
        Some(SectionId::DataCount) => 95,
        Some(id) => id as u32 * 10,
    }
}

impl Meter {
    fn add_globals(&mut self, globals: &mut GlobalSection) {
        let var = |val_type| GlobalType {
            val_type,
            mutable: true,
            shared: false,
        };
        // The budget starts at zero: a run is only possible after the host grants one.
        globals.global(var(ValType::I64), &ConstExpr::i64_const(0));
        globals.global(var(ValType::I32), &ConstExpr::i32_const(0));
        self.globals_added = true;
    }

    fn add_exports(&mut self, exports: &mut ExportSection) {
        exports.export(REMAINING, ExportKind::Global, self.remaining);
        exports.export(EXHAUSTED, ExportKind::Global, self.exhausted);
        self.exports_added = true;
    }
}

impl Reencode for Meter {
    type Error = MeteringError;

    fn parse_global_section(
        &mut self,
        globals: &mut GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result<(), ReencodeError<MeteringError>> {
        utils::parse_global_section(self, globals, section)?;
        self.add_globals(globals);
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), ReencodeError<MeteringError>> {
        utils::parse_export_section(self, exports, section)?;
        self.add_exports(exports);
        Ok(())
    }

    /// A module without globals or exports gets the sections, in their place.
    fn intersperse_section_hook(
        &mut self,
        module: &mut Module,
        _after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), ReencodeError<MeteringError>> {
        if !self.globals_added && rank(before) > rank(Some(SectionId::Global)) {
            let mut globals = GlobalSection::new();
            self.add_globals(&mut globals);
            module.section(&globals);
        }
        if !self.exports_added && rank(before) > rank(Some(SectionId::Export)) {
            let mut exports = ExportSection::new();
            self.add_exports(&mut exports);
            module.section(&exports);
        }
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut CodeSection,
        body: wasmparser::FunctionBody<'_>,
    ) -> Result<(), ReencodeError<MeteringError>> {
        let params = *self.params.get(self.next_body).ok_or_else(|| {
            ReencodeError::UserError(MeteringError::Malformed(
                "more function bodies than functions".into(),
            ))
        })?;
        self.next_body += 1;
        let mut locals = Vec::new();
        let mut declared = params;
        for pair in body.get_locals_reader()? {
            let (count, ty) = pair?;
            declared = declared.checked_add(count).ok_or_else(|| {
                ReencodeError::UserError(MeteringError::Malformed("too many locals".into()))
            })?;
            locals.push((count, self.val_type(ty)?));
        }
        let fuel = FunctionFuel {
            remaining: self.remaining,
            exhausted: self.exhausted,
            local: declared,
            bulk_len: declared + 1,
        };
        locals.extend([(1, ValType::I64), (1, ValType::I32)]);
        let mut function = Function::new(locals);

        fuel.load(&mut function);
        fuel.charge(&mut function);
        // Blocks open inside the body: a branch by this depth leaves the function.
        let mut open: u32 = 0;
        let mut operators = body.get_operators_reader()?;
        while !operators.eof() {
            let operator = operators.read()?;
            let mut reload = false;
            match &operator {
                Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => open += 1,
                Operator::End if open == 0 => fuel.store(&mut function),
                Operator::End => open -= 1,
                Operator::Call { .. }
                | Operator::CallIndirect { .. }
                | Operator::CallRef { .. } => {
                    fuel.store(&mut function);
                    reload = true;
                }
                Operator::Return
                | Operator::ReturnCall { .. }
                | Operator::ReturnCallIndirect { .. }
                | Operator::ReturnCallRef { .. } => fuel.store(&mut function),
                Operator::Br { relative_depth } | Operator::BrIf { relative_depth }
                    if *relative_depth == open =>
                {
                    fuel.store(&mut function)
                }
                Operator::BrTable { targets } => {
                    let leaves = targets.default() == open
                        || targets.targets().try_fold(false, |leaves, t| {
                            Ok::<_, wasmparser::BinaryReaderError>(leaves || t? == open)
                        })?;
                    if leaves {
                        fuel.store(&mut function);
                    }
                }
                Operator::MemoryCopy { .. } | Operator::MemoryFill { .. } => {
                    fuel.charge_bulk(&mut function)
                }
                Operator::TryTable { .. }
                | Operator::Try { .. }
                | Operator::Throw { .. }
                | Operator::ThrowRef
                | Operator::Rethrow { .. }
                | Operator::Delegate { .. }
                | Operator::BrOnNull { .. }
                | Operator::BrOnNonNull { .. }
                | Operator::BrOnCast { .. }
                | Operator::BrOnCastFail { .. } => {
                    return Err(ReencodeError::UserError(MeteringError::Unsupported(
                        format!("{operator:?}"),
                    )));
                }
                _ => {}
            }
            let is_loop = matches!(operator, Operator::Loop { .. });
            function.instruction(&self.instruction(operator)?);
            if is_loop {
                // A branch back to a loop lands just after its `loop`: the charge goes there.
                fuel.charge(&mut function);
            }
            if reload {
                fuel.load(&mut function);
            }
        }
        code.function(&function);
        Ok(())
    }
}

/// The meter's places in one function: the module's globals and the function's own locals.
struct FunctionFuel {
    remaining: u32,
    exhausted: u32,
    /// The counter while the function runs.
    local: u32,
    /// A bulk operation's length while it is charged.
    bulk_len: u32,
}

impl FunctionFuel {
    fn load(&self, f: &mut Function) {
        f.instruction(&Instruction::GlobalGet(self.remaining));
        f.instruction(&Instruction::LocalSet(self.local));
    }

    fn store(&self, f: &mut Function) {
        f.instruction(&Instruction::LocalGet(self.local));
        f.instruction(&Instruction::GlobalSet(self.remaining));
    }

    /// `if fuel == 0 { exhausted = 1; trap } fuel -= 1`
    fn charge(&self, f: &mut Function) {
        f.instruction(&Instruction::LocalGet(self.local));
        f.instruction(&Instruction::I64Eqz);
        self.trap_if_spent(f);
        self.take(f, &[Instruction::I64Const(1)]);
    }

    /// Before `memory.copy` or `memory.fill`, whose length is on top of the stack:
    /// `if fuel < len >> k { exhausted = 1; trap } fuel -= len >> k`.
    fn charge_bulk(&self, f: &mut Function) {
        let cost = [
            Instruction::LocalGet(self.bulk_len),
            Instruction::I32Const(BYTES_PER_POINT_LOG2),
            Instruction::I32ShrU,
            Instruction::I64ExtendI32U,
        ];
        // Keep a copy of the length: the operation still needs it on the stack.
        f.instruction(&Instruction::LocalTee(self.bulk_len));
        f.instruction(&Instruction::LocalGet(self.local));
        for i in &cost {
            f.instruction(i);
        }
        f.instruction(&Instruction::I64LtU);
        self.trap_if_spent(f);
        self.take(f, &cost);
    }

    /// `if <condition on the stack> { exhausted = 1; trap }`
    fn trap_if_spent(&self, f: &mut Function) {
        f.instruction(&Instruction::If(BlockType::Empty));
        f.instruction(&Instruction::I32Const(1));
        f.instruction(&Instruction::GlobalSet(self.exhausted));
        f.instruction(&Instruction::Unreachable);
        f.instruction(&Instruction::End);
    }

    /// `fuel -= <cost>`
    fn take(&self, f: &mut Function, cost: &[Instruction<'_>]) {
        f.instruction(&Instruction::LocalGet(self.local));
        for i in cost {
            f.instruction(i);
        }
        f.instruction(&Instruction::I64Sub);
        f.instruction(&Instruction::LocalSet(self.local));
    }
}

/// The most operators a run can execute between two charges: the length of `wasm`'s longest
/// function body. Between two charges code only runs forward (a backward branch lands on a
/// charged loop header, a call on a charged entry), so it executes each operator of one body at
/// most once. A run granted `n` points traps at its `n + 1`-th charge, so it executes at most
/// `(n + 1)` times this many operators, and stops at most this many after its budget is spent.
pub fn longest_uncharged_stretch(wasm: &[u8]) -> Result<u64, String> {
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
