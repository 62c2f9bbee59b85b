; C: function definitions (also those returning pointers), structs/unions/enums with a body,
; typedef'd anonymous structs named by the typedef.
(function_definition
  declarator: [(function_declarator declarator: (identifier) @name)
               (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
               (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name)))]) @definition.function
(struct_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.class
(union_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.class
(enum_specifier name: (type_identifier) @name body: (enumerator_list)) @definition.class
(type_definition
  type: [(struct_specifier body: (field_declaration_list))
         (union_specifier body: (field_declaration_list))
         (enum_specifier body: (enumerator_list))]
  declarator: (type_identifier) @name) @definition.class
