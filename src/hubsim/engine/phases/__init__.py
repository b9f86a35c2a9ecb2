"""The phases of one month (docs/model.md#the-month): one module a phase, each with a `run(state)`.

policies, firms (whose `run` also takes `dynamic`), labour, migration, demography, housing,
record. They apply the pure rules of `engine.rules` to the state (`engine.state.State`) and keep
its accounts current.
"""
