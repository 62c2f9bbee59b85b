; Lua: functions; `function Class:method()` is a method of Class, `function M.f()` keeps its dotted name.
(function_declaration name: [(identifier) (dot_index_expression)] @name) @definition.function
(function_declaration
  name: (method_index_expression table: (_) @scope method: (identifier) @name)) @definition.method
