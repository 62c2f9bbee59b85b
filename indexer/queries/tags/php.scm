; PHP tags: functions, classes, interfaces, traits, enums, methods, constants; `use` and
; `require`/`include`; references.
(function_definition name: (name) @name.definition.function) @definition.function
(class_declaration name: (name) @name.definition.class) @definition.class
(interface_declaration name: (name) @name.definition.interface) @definition.interface
(trait_declaration name: (name) @name.definition.trait) @definition.trait
(enum_declaration name: (name) @name.definition.enum) @definition.enum
(method_declaration name: (name) @name.definition.method) @definition.method
(namespace_definition name: (_) @name.definition.module) @definition.module
(const_declaration (const_element (name) @name.definition.constant)) @definition.constant

; imports
(namespace_use_declaration (namespace_use_clause (qualified_name) @import.path)) @import
(namespace_use_declaration (namespace_use_clause (qualified_name) @import.path alias: (name) @import.alias)) @import
(namespace_use_declaration (namespace_use_clause (name) @import.module .)) @import
(namespace_use_declaration (namespace_name) @import.module body: (namespace_use_group (namespace_use_clause . (name) @import.name .))) @import
(namespace_use_declaration (namespace_name) @import.module
  body: (namespace_use_group (namespace_use_clause . (name) @import.name alias: (name) @import.alias))) @import
([(require_expression) (require_once_expression) (include_expression) (include_once_expression)]
  [(string (string_content) @import.module) (encapsed_string (string_content) @import.module)
   (binary_expression right: [(string (string_content) @import.module) (encapsed_string (string_content) @import.module)])] @import.star) @import

; references
(function_call_expression function: (name) @name.reference.call)
(function_call_expression function: (qualified_name (name) @name.reference.call .))
(member_call_expression name: (name) @name.reference.call)
(scoped_call_expression scope: (name) @name.reference.class)
(scoped_call_expression name: (name) @name.reference.call)
(object_creation_expression (name) @name.reference.class)
(base_clause (name) @name.reference.class)
(class_interface_clause (name) @name.reference.class)
(named_type (name) @name.reference.type)
