; Ruby tags: classes, modules, methods, constants; `require` / `require_relative` / `load`; references.
(class name: [(constant) (scope_resolution)] @name.definition.class) @definition.class
(module name: [(constant) (scope_resolution)] @name.definition.module) @definition.module
(method name: (_) @name.definition.function) @definition.function
(singleton_method name: (_) @name.definition.method) @definition.method
(program (assignment left: (constant) @name.definition.constant) @definition.constant)
(body_statement (assignment left: (constant) @name.definition.constant) @definition.constant)

; imports: a required file's definitions are all visible (a star import)
((call method: (identifier) @_require arguments: (argument_list (string (string_content) @import.module @import.star))) @import
  (#any-of? @_require "require" "require_relative" "load" "autoload"))

; references
(call method: (identifier) @name.reference.call)
(call receiver: (constant) @name.reference.class)
(superclass (constant) @name.reference.class)
(scope_resolution name: (constant) @name.reference.class)
