; TypeScript and TSX (same definition nodes): functions, arrow functions bound to a name, classes, interfaces,
; enums, type aliases, methods, namespaces. Decorators and comments above a definition belong to it.
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression)])) @definition.function
(variable_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression)])) @definition.function
; A component or handler built by a call on a function (React `memo(...)`, `forwardRef(...)`,
; `memo(forwardRef(...))`, `observer(...)`, `createServer((req, res) => ...)`) is named by its variable.
(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: (call_expression
      arguments: (arguments [(arrow_function) (function_expression)])))) @definition.function
(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: (call_expression
      arguments: (arguments
        (call_expression arguments: (arguments [(arrow_function) (function_expression)])))))) @definition.function
(variable_declaration
  (variable_declarator
    name: (identifier) @name
    value: (call_expression
      arguments: (arguments [(arrow_function) (function_expression)])))) @definition.function
(variable_declaration
  (variable_declarator
    name: (identifier) @name
    value: (call_expression
      arguments: (arguments
        (call_expression arguments: (arguments [(arrow_function) (function_expression)])))))) @definition.function
(class_declaration name: (type_identifier) @name) @definition.class
(abstract_class_declaration name: (type_identifier) @name) @definition.class
(interface_declaration name: (type_identifier) @name) @definition.class
(type_alias_declaration name: (type_identifier) @name) @definition.class
(enum_declaration name: (identifier) @name) @definition.class
(public_field_definition name: (property_identifier) @name value: (class)) @definition.class
; Methods of classes only: an object literal's methods stay with the statement that builds it.
(class_body (method_definition name: (_) @name) @definition.method)
(internal_module name: (_) @name) @definition.namespace
(decorator) @attribute
