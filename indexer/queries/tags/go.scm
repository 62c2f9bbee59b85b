; Go tags: definitions (the receiver type owns a method: `Server.Start`), imports, references.
(function_declaration name: (identifier) @name.definition.function) @definition.function
(method_declaration
  receiver: (parameter_list
    (parameter_declaration
      type: [(type_identifier) @scope
             (pointer_type (type_identifier) @scope)
             (generic_type type: (type_identifier) @scope)
             (pointer_type (generic_type type: (type_identifier) @scope))]))
  name: (field_identifier) @name.definition.method) @definition.method
(type_spec name: (type_identifier) @name.definition.struct type: (struct_type)) @definition.struct
(type_spec name: (type_identifier) @name.definition.interface type: (interface_type)) @definition.interface
(type_spec name: (type_identifier) @name.definition.type) @definition.type
(type_alias name: (type_identifier) @name.definition.type) @definition.type
(interface_type (method_elem name: (field_identifier) @name.definition.method) @definition.method)
(source_file (const_declaration (const_spec name: (identifier) @name.definition.constant) @definition.constant))
(source_file (var_declaration (var_spec name: (identifier) @name.definition.variable) @definition.variable))

; imports
(import_spec path: (_) @import.module) @import
(import_spec name: (package_identifier) @import.alias path: (_) @import.module) @import
(import_spec name: (dot) @import.star path: (_) @import.module) @import

; references
(call_expression function: (identifier) @name.reference.call)
(call_expression function: (selector_expression field: (field_identifier) @name.reference.call))
(selector_expression operand: (identifier) @name.reference.module)
(type_identifier) @name.reference.type
(qualified_type package: (package_identifier) @name.reference.module)
