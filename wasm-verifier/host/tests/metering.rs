//! The loop-and-call meter on small hand-written modules: what it charges, that every way of
//! running long (a loop, recursion) is stopped when the budget is spent, and that the counter a
//! function keeps in a local reaches the host however the function is left.

use poi_verifier_host::metering::{
    BYTES_PER_POINT_LOG2, Fuel, MeteringError, fuel, instrument, set_fuel,
};
use wasmer::sys::Cranelift;
use wasmer::{Engine, Instance, Module, Store, TypedFunction, WasmTypeList, imports};

const MODULE: &str = r#"
(module
  ;; counts down from n: n loop iterations
  (func (export "count") (param $n i32)
    (loop $again
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $again (i32.gt_s (local.get $n) (i32.const 0)))))
  (func (export "spin")
    (loop $forever (br $forever)))
  (func $recurse (export "recurse")
    (call $recurse))
  (func (export "crash")
    unreachable)
  (memory (export "memory") 1)
  ;; one fill of n bytes, no loop: charged by its length
  (func (export "fill") (param $n i32)
    (memory.fill (i32.const 0) (i32.const 7) (local.get $n)))
  ;; n iterations, the last of which leaves the function by a branch, not by its end
  (func (export "leave_by_branch") (param $n i32)
    (loop $again
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if 1 (i32.eqz (local.get $n)))
      (br $again)))
  ;; the same, by a branch table whose default leaves
  (func (export "leave_by_table") (param $n i32)
    (loop $again
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_table $again 1 (i32.eqz (local.get $n)))))
  (func $nothing)
  ;; n iterations calling a function: 2n points, and the callee's charges are not lost
  (func (export "call_in_a_loop") (param $n i32)
    (loop $again
      (call $nothing)
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $again (i32.gt_s (local.get $n) (i32.const 0))))))
"#;

fn instance(budget: u64) -> (Store, Instance) {
    let engine: Engine = Cranelift::default().into();
    let metered = instrument(&wat::parse_str(MODULE).unwrap()).unwrap();
    let module = Module::new(&engine, metered).unwrap();
    let mut store = Store::new(engine);
    let instance = Instance::new(&mut store, &module, &imports! {}).unwrap();
    set_fuel(&mut store, &instance, budget).unwrap();
    (store, instance)
}

fn export<Args: WasmTypeList, Results: WasmTypeList>(
    store: &Store,
    instance: &Instance,
    name: &str,
) -> TypedFunction<Args, Results> {
    instance.exports.get_typed_function(store, name).unwrap()
}

#[test]
fn a_loop_costs_a_point_per_iteration_and_a_call_one_more() {
    let (mut store, instance) = instance(1_000);
    let count: TypedFunction<i32, ()> = export(&store, &instance, "count");
    count.call(&mut store, 10).unwrap();
    assert_eq!(
        fuel(&mut store, &instance).unwrap(),
        Fuel::Remaining(1_000 - 11)
    );
    count.call(&mut store, 100).unwrap();
    assert_eq!(
        fuel(&mut store, &instance).unwrap(),
        Fuel::Remaining(1_000 - 11 - 101)
    );
}

#[test]
fn an_endless_loop_stops_when_the_budget_is_spent() {
    let (mut store, instance) = instance(1_000_000);
    let spin: TypedFunction<(), ()> = export(&store, &instance, "spin");
    assert!(spin.call(&mut store).is_err());
    assert_eq!(fuel(&mut store, &instance).unwrap(), Fuel::Exhausted);
}

#[test]
fn endless_recursion_is_charged_per_call_and_stops_before_the_stack_does() {
    let (mut store, instance) = instance(1_000);
    let recurse: TypedFunction<(), ()> = export(&store, &instance, "recurse");
    assert!(recurse.call(&mut store).is_err());
    assert_eq!(fuel(&mut store, &instance).unwrap(), Fuel::Exhausted);
}

#[test]
fn another_trap_is_not_reported_as_a_spent_budget() {
    let (mut store, instance) = instance(1_000);
    let crash: TypedFunction<(), ()> = export(&store, &instance, "crash");
    assert!(crash.call(&mut store).is_err());
    // The trapping function's own charge stayed in its local: the counter is as it was.
    assert_eq!(fuel(&mut store, &instance).unwrap(), Fuel::Remaining(1_000));
}

#[test]
fn a_function_left_by_a_branch_hands_its_counter_back() {
    let (mut store, instance) = instance(1_000);
    let leave: TypedFunction<i32, ()> = export(&store, &instance, "leave_by_branch");
    leave.call(&mut store, 10).unwrap();
    assert_eq!(
        fuel(&mut store, &instance).unwrap(),
        Fuel::Remaining(1_000 - 11)
    );
    let leave: TypedFunction<i32, ()> = export(&store, &instance, "leave_by_table");
    leave.call(&mut store, 10).unwrap();
    assert_eq!(
        fuel(&mut store, &instance).unwrap(),
        Fuel::Remaining(1_000 - 22)
    );
}

#[test]
fn calls_inside_a_loop_are_charged_to_the_same_counter() {
    let (mut store, instance) = instance(1_000);
    let call: TypedFunction<i32, ()> = export(&store, &instance, "call_in_a_loop");
    call.call(&mut store, 10).unwrap();
    assert_eq!(
        fuel(&mut store, &instance).unwrap(),
        Fuel::Remaining(1_000 - 1 - 20)
    );
    // And they stop with the budget, whichever function spends its last point.
    let (mut store, short) = crate::instance(15);
    let call: TypedFunction<i32, ()> = export(&store, &short, "call_in_a_loop");
    assert!(call.call(&mut store, 10).is_err());
    assert_eq!(fuel(&mut store, &short).unwrap(), Fuel::Exhausted);
}

#[test]
fn a_module_the_meter_cannot_follow_is_refused_not_compiled() {
    assert!(matches!(
        instrument(b"\0asm but not really"),
        Err(MeteringError::Malformed(_))
    ));
    // Exceptions move control where the meter does not look.
    let throws = wat::parse_str(
        r#"(module (tag $oops)
             (func (block $caught (try_table (catch_all $caught) (throw $oops)))))"#,
    )
    .unwrap();
    assert!(matches!(
        instrument(&throws),
        Err(MeteringError::Unsupported(_))
    ));
}

#[test]
fn nothing_runs_without_a_budget() {
    let (mut store, instance) = instance(0);
    let count: TypedFunction<i32, ()> = export(&store, &instance, "count");
    assert!(count.call(&mut store, 1).is_err());
    assert_eq!(fuel(&mut store, &instance).unwrap(), Fuel::Exhausted);
}

#[test]
fn a_bulk_fill_is_charged_by_its_length() {
    let (mut store, instance) = instance(1_000);
    let fill: TypedFunction<i32, ()> = export(&store, &instance, "fill");
    fill.call(&mut store, 64 * 100).unwrap();
    let per_point = 1 << BYTES_PER_POINT_LOG2;
    let left = 1_000 - 1 - 64 * 100 / per_point;
    assert_eq!(fuel(&mut store, &instance).unwrap(), Fuel::Remaining(left));
    // A fill the rest of the budget cannot pay for is refused before it starts.
    assert!(fill.call(&mut store, 65_536).is_err());
    assert_eq!(fuel(&mut store, &instance).unwrap(), Fuel::Exhausted);
    let memory = instance.exports.get_memory("memory").unwrap();
    let mut past_the_paid_fill = [0u8; 1];
    memory
        .view(&store)
        .read(64 * 100, &mut past_the_paid_fill)
        .unwrap();
    assert_eq!(past_the_paid_fill, [0], "the refused fill wrote nothing");
}
