; JavaScript (and JSX): functions, arrow functions bound to a name, classes, methods.
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
(class_declaration name: (identifier) @name) @definition.class
; Methods of classes only: an object literal's methods stay with the statement that builds it.
(class_body (method_definition name: (_) @name) @definition.method)
(field_definition property: (property_identifier) @name value: (class)) @definition.class
(lexical_declaration (variable_declarator name: (identifier) @name value: (class))) @definition.class
