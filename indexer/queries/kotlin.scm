; Kotlin: classes/interfaces/enums, objects, companion objects, functions (methods inside classes).
(class_declaration name: (_) @name) @definition.class
(object_declaration name: (_) @name) @definition.class
(companion_object) @definition.class
(function_declaration name: (_) @name) @definition.function
