; Lua tags: functions (`M.f` and `M:f` belong to M), local functions, module tables;
; `require`; references.
(function_declaration name: (identifier) @name.definition.function) @definition.function
(function_declaration name: (dot_index_expression table: (_) @scope field: (identifier) @name.definition.function)) @definition.function
(function_declaration name: (method_index_expression table: (_) @scope method: (identifier) @name.definition.method)) @definition.method
(assignment_statement (variable_list name: (dot_index_expression table: (_) @scope field: (identifier) @name.definition.function))
  (expression_list value: (function_definition))) @definition.function
(chunk (variable_declaration (assignment_statement (variable_list name: (identifier) @name.definition.variable))) @definition.variable)

; imports
(variable_declaration (assignment_statement (variable_list name: (identifier) @import.alias)
  (expression_list value: (function_call name: (identifier) @_require
    arguments: (arguments (string content: (string_content) @import.module)))))
  (#eq? @_require "require")) @import
; a bare `require "x"` (no local bound): what it defines globally is visible
(chunk (function_call name: (identifier) @_require arguments: (arguments (string content: (string_content) @import.module))) @import @import.star
  (#eq? @_require "require"))

; references
(function_call name: (identifier) @name.reference.call)
(function_call name: (dot_index_expression field: (identifier) @name.reference.call))
(function_call name: (method_index_expression method: (identifier) @name.reference.call))
(dot_index_expression table: (identifier) @name.reference.module)
