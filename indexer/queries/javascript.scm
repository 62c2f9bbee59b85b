; JavaScript (and JSX): functions, arrow functions bound to a name (also through a wrapping call), classes, methods.
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
(class_declaration name: (identifier) @name) @definition.class
; Methods of classes only: an object literal's methods stay with the statement that builds it.
(class_body (method_definition name: (_) @name) @definition.method)
(field_definition property: (property_identifier) @name value: (class)) @definition.class
(lexical_declaration (variable_declarator name: (identifier) @name value: (class))) @definition.class
