; C# tags: types, methods, constructors, properties; `using A.B;` / `using X = A.B.C;`; references.
(class_declaration name: (identifier) @name.definition.class) @definition.class
(struct_declaration name: (identifier) @name.definition.struct) @definition.struct
(interface_declaration name: (identifier) @name.definition.interface) @definition.interface
(enum_declaration name: (identifier) @name.definition.enum) @definition.enum
(record_declaration name: (identifier) @name.definition.class) @definition.class
(method_declaration name: (identifier) @name.definition.method) @definition.method
(constructor_declaration name: (identifier) @name.definition.method) @definition.method
(local_function_statement name: (identifier) @name.definition.function) @definition.function
(property_declaration name: (identifier) @name.definition.variable) @definition.variable
(namespace_declaration name: (_) @name.definition.module) @definition.module
(file_scoped_namespace_declaration name: (_) @name.definition.module) @definition.module

; imports
; `using A.B;` brings every type of the namespace into scope: a star import
(using_directive !name (qualified_name) @import.module @import.star .) @import
(using_directive !name (identifier) @import.module @import.star .) @import
(using_directive name: (identifier) @import.alias (qualified_name) @import.path) @import

; references
(invocation_expression function: (identifier) @name.reference.call)
(invocation_expression function: (member_access_expression name: (identifier) @name.reference.call))
(member_access_expression expression: (identifier) @name.reference.module)
(object_creation_expression type: (identifier) @name.reference.class)
(base_list (identifier) @name.reference.class)
(parameter type: (identifier) @name.reference.type)
(variable_declaration type: (identifier) @name.reference.type)
