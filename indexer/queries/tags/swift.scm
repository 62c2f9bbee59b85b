; Swift tags: classes, structs, enums, extensions (members belong to the extended type), protocols,
; functions, initializers, properties, type aliases; `import Module`; references.
(class_declaration declaration_kind: "class" name: (type_identifier) @name.definition.class) @definition.class
(class_declaration declaration_kind: "struct" name: (type_identifier) @name.definition.struct) @definition.struct
(class_declaration declaration_kind: "enum" name: (type_identifier) @name.definition.enum) @definition.enum
(class_declaration declaration_kind: "actor" name: (type_identifier) @name.definition.class) @definition.class
(class_declaration declaration_kind: "extension" name: (user_type (type_identifier) @name.definition.impl)) @definition.impl
(protocol_declaration name: (type_identifier) @name.definition.interface) @definition.interface
(function_declaration name: (simple_identifier) @name.definition.function) @definition.function
(protocol_function_declaration name: (simple_identifier) @name.definition.method) @definition.method
(init_declaration "init" @name.definition.method) @definition.method
(typealias_declaration name: (type_identifier) @name.definition.type) @definition.type
(source_file (property_declaration name: (pattern bound_identifier: (simple_identifier) @name.definition.variable)) @definition.variable)
(class_body (property_declaration name: (pattern bound_identifier: (simple_identifier) @name.definition.variable)) @definition.variable)

; imports
(import_declaration (identifier) @import.module @import.star) @import

; references
(call_expression (simple_identifier) @name.reference.call)
(call_expression (navigation_expression suffix: (navigation_suffix suffix: (simple_identifier) @name.reference.call)))
(navigation_expression target: (simple_identifier) @name.reference.module)
(user_type (type_identifier) @name.reference.type)
