; Kotlin tags: classes, interfaces, objects, functions, properties, type aliases; imports; references.
(class_declaration name: (_) @name.definition.class) @definition.class
(object_declaration name: (_) @name.definition.class) @definition.class
(function_declaration name: (_) @name.definition.function) @definition.function
(source_file (property_declaration (variable_declaration (identifier) @name.definition.variable)) @definition.variable)
(class_body (property_declaration (variable_declaration (identifier) @name.definition.variable)) @definition.variable)
(type_alias type: (identifier) @name.definition.type) @definition.type

; imports
(import (qualified_identifier) @import.path .) @import
(import (qualified_identifier) @import.path (identifier) @import.alias) @import
(import (qualified_identifier) @import.module "*" @import.star) @import

; references
(call_expression (identifier) @name.reference.call)
(call_expression (navigation_expression (identifier) @name.reference.call .))
(navigation_expression . (identifier) @name.reference.module)
(user_type (identifier) @name.reference.type)
