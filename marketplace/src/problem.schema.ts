import { Type } from '@fastify/type-provider-typebox'

/** Every error answer of the marketplace API: a short name and a sentence that says what to do. */
export const Problem = Type.Object({ error: Type.String(), message: Type.String() })
