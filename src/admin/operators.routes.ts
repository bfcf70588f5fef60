import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { HubContext } from '../hub-context.ts'
import { adminChangeEntry, logAdminChange, operatorIdOf } from './admin-auth.ts'
import { AdminError } from './admin-errors.ts'
import { insertAuditEntry } from './audit.store.ts'
import { hashPassword } from './operators.passwords.ts'
import { normalizeEmail, OperatorParams, OperatorPatch, OperatorRequest } from './operators.schema.ts'
import {
  deleteOperator,
  findOperatorForUpdate,
  insertOperator,
  listOperators,
  lockAdminOperators,
  updateOperator,
  type OperatorView,
} from './operators.store.ts'
import { deleteSessionsOf } from './session.store.ts'

function operatorView(operator: OperatorView) {
  return {
    id: operator.id,
    email: operator.email,
    role: operator.role,
    created_at: operator.created_at,
    updated_at: operator.updated_at,
  }
}

const OPERATORS = ['Admin · operators']

const LAST_ADMIN =
  'the last admin operator cannot be removed or made a viewer: make another operator admin first'

/**
 * Operator accounts (docs/admin-api.md, "Operators and sessions"). Each change and its audit entry commit
 * in one transaction.
 */
export async function operatorsRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.post(
    '/operators',
    { schema: { summary: 'Create an operator account', tags: OPERATORS, body: OperatorRequest } },
    async (request, reply) => {
      const email = normalizeEmail(request.body.email)
      const { role } = request.body
      const passwordHash = await hashPassword(request.body.password)
      const details = { target: operatorIdOf(email), role }
      const created = await context.db.transaction().execute(async (trx) => {
        const operator = await insertOperator(trx, { email, role, passwordHash })
        if (operator) await insertAuditEntry(trx, adminChangeEntry(request, 'create-operator', details))
        return operator
      })
      if (!created) throw new AdminError('ADMIN_CONFLICT', `an operator with email ${email} exists`)
      logAdminChange(request, 'create-operator', details, { auditedInTransaction: true })
      return reply.code(201).send(operatorView(created))
    },
  )

  routes.get(
    '/operators',
    { schema: { summary: 'List the operator accounts', tags: OPERATORS } },
    async () => ({ operators: (await listOperators(context.db)).map(operatorView) }),
  )

  routes.patch(
    '/operators/:id',
    {
      schema: {
        summary: "Change an operator's role or password",
        tags: OPERATORS,
        params: OperatorParams,
        body: OperatorPatch,
      },
    },
    async (request) => {
      const { id } = request.params
      const { role, password } = request.body
      const passwordHash = password === undefined ? undefined : await hashPassword(password)
      const changed = await context.db.transaction().execute(async (trx) => {
        const admins = await lockAdminOperators(trx)
        const operator = await findOperatorForUpdate(trx, id)
        if (!operator) throw new AdminError('ADMIN_NOT_FOUND', `no operator ${id}`)
        if (role === 'viewer' && operator.role === 'admin' && admins.length <= 1)
          throw new AdminError('ADMIN_CONFLICT', LAST_ADMIN)
        const updated = await updateOperator(trx, id, { role, passwordHash })
        // A new password ends the operator's other sessions: whoever knew the old one is signed out.
        if (passwordHash) {
          const own = request.operatorSession
          await deleteSessionsOf(trx, id, own?.operator.id === id ? own.tokenHash : undefined)
        }
        const details = {
          target: operatorIdOf(updated.email),
          fields: Object.keys(request.body),
          role: updated.role,
        }
        await insertAuditEntry(trx, adminChangeEntry(request, 'change-operator', details))
        return { updated, details }
      })
      logAdminChange(request, 'change-operator', changed.details, { auditedInTransaction: true })
      return operatorView(changed.updated)
    },
  )

  routes.delete(
    '/operators/:id',
    {
      schema: {
        summary: 'Delete an operator account and end its sessions',
        tags: OPERATORS,
        params: OperatorParams,
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const removed = await context.db.transaction().execute(async (trx) => {
        const admins = await lockAdminOperators(trx)
        const operator = await findOperatorForUpdate(trx, id)
        if (!operator) throw new AdminError('ADMIN_NOT_FOUND', `no operator ${id}`)
        if (operator.role === 'admin' && admins.length <= 1)
          throw new AdminError('ADMIN_CONFLICT', LAST_ADMIN)
        await deleteOperator(trx, id)
        const details = { target: operatorIdOf(operator.email), role: operator.role }
        await insertAuditEntry(trx, adminChangeEntry(request, 'delete-operator', details))
        return details
      })
      logAdminChange(request, 'delete-operator', removed, { auditedInTransaction: true })
      return reply.code(204).send()
    },
  )
}
