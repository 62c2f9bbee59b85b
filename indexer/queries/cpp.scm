; C++: functions (an out-of-class `Foo::bar` definition is a method of Foo), classes/structs/unions/
; enums with a body, namespaces. A `template <...>` line belongs to what it declares.
(function_definition
  declarator: [(function_declarator declarator: [(identifier) (field_identifier) (operator_name) (destructor_name)] @name)
               (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier)] @name))
               (reference_declarator (function_declarator declarator: [(identifier) (field_identifier)] @name))]) @definition.function
(function_definition
  declarator: [(function_declarator declarator: (qualified_identifier scope: (_) @scope name: (_) @name))
               (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier scope: (_) @scope name: (_) @name)))
               (reference_declarator (function_declarator declarator: (qualified_identifier scope: (_) @scope name: (_) @name)))]) @definition.function
(template_declaration
  (function_definition
    declarator: (function_declarator declarator: [(identifier) (field_identifier)] @name))) @definition.function
(class_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.class
(struct_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.class
(union_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.class
(enum_specifier name: (type_identifier) @name body: (enumerator_list)) @definition.class
(template_declaration
  [(class_specifier name: (type_identifier) @name body: (field_declaration_list))
   (struct_specifier name: (type_identifier) @name body: (field_declaration_list))]) @definition.class
(type_definition
  type: [(struct_specifier body: (field_declaration_list))
         (class_specifier body: (field_declaration_list))]
  declarator: (type_identifier) @name) @definition.class
(namespace_definition name: (_) @name) @definition.namespace
