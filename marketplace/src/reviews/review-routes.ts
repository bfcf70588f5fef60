import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { hashesEqual, hashToken } from '../../../src/core/tokens.ts'
import type { SignedInMember } from '../accounts/account-routes.ts'
import { Problem } from '../problem.schema.ts'
import { ChargeId } from '../driving/charge.schema.ts'
import { BookingId } from '../bookings/booking.schema.ts'
import {
  LocationRef,
  LocationReviews,
  ModerationInput,
  ReplyInput,
  Report,
  ReportInput,
  Review,
  ReviewId,
  ReviewInput,
} from './review.schema.ts'
import { ReviewRefusal, type Reviews } from './reviews.ts'

const ERROR_NAMES = { 404: 'Not Found', 409: 'Conflict' } as const

async function refused<T>(reply: FastifyReply, act: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await act()
  } catch (error) {
    if (!(error instanceof ReviewRefusal)) throw error
    return reply.code(error.statusCode).send({ error: ERROR_NAMES[error.statusCode], message: error.message })
  }
}

/**
 * Whether the request carries `Authorization: Bearer <the operator's token>`; otherwise a 401 is sent.
 * No token configured: moderation is off.
 */
function operator(adminToken: string | undefined) {
  const expected = adminToken === undefined ? undefined : hashToken(adminToken)
  return (request: FastifyRequest, reply: FastifyReply): boolean => {
    const presented = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1]
    if (expected !== undefined && presented !== undefined && hashesEqual(hashToken(presented), expected))
      return true
    void reply
      .code(401)
      .send({ error: 'Unauthorized', message: "Moderation needs the operator's admin token" })
    return false
  }
}

/** Reviews and ratings of locations, owners' replies, reports, and the operator's moderation. */
export function reviewRoutes(
  reviews: Reviews,
  signedIn: SignedInMember,
  adminToken: string | undefined,
): FastifyPluginAsyncTypebox {
  const isOperator = operator(adminToken)
  return async (app) => {
    app.post(
      '/charges/:id/review',
      {
        schema: {
          summary: 'Rates (1–5) and reviews the location of a completed charge, once per charge',
          params: ChargeId,
          body: ReviewInput,
          response: { 201: Review, 404: Problem, 409: Problem },
        },
      },
      async (request, reply) => {
        const driver = await signedIn(request, reply)
        if (!driver) return reply
        return refused(reply, async () =>
          reply.code(201).send(await reviews.write(driver.id, request.params.id, request.body)),
        )
      },
    )

    app.post(
      '/bookings/:id/review',
      {
        schema: {
          summary: 'Rates (1–5) and reviews the location of a completed booking, once per booking',
          params: BookingId,
          body: ReviewInput,
          response: { 201: Review, 404: Problem, 409: Problem },
        },
      },
      async (request, reply) => {
        const driver = await signedIn(request, reply)
        if (!driver) return reply
        return refused(reply, async () =>
          reply.code(201).send(await reviews.writeForBooking(driver.id, request.params.id, request.body)),
        )
      },
    )

    app.put(
      '/reviews/:id',
      {
        schema: {
          summary: "Changes one's own review, within 7 days of writing it",
          params: ReviewId,
          body: ReviewInput,
          response: { 200: Review, 404: Problem, 409: Problem },
        },
      },
      async (request, reply) => {
        const driver = await signedIn(request, reply)
        if (!driver) return reply
        return refused(reply, () => reviews.edit(driver.id, request.params.id, request.body))
      },
    )

    app.post(
      '/reviews/:id/reply',
      {
        schema: {
          summary: 'The owner of the listed charger replies to a review of it',
          params: ReviewId,
          body: ReplyInput,
          response: { 200: Review, 404: Problem },
        },
      },
      async (request, reply) => {
        const owner = await signedIn(request, reply)
        if (!owner) return reply
        return refused(reply, () => reviews.reply(owner.id, request.params.id, request.body.text))
      },
    )

    app.post(
      '/reviews/:id/reports',
      {
        schema: {
          summary: 'Reports a review to the operator (anyone may)',
          params: ReviewId,
          body: ReportInput,
          response: { 202: Type.Object({}), 404: Problem },
        },
      },
      async (request, reply) =>
        refused(reply, async () => {
          await reviews.report(request.params.id, request.body.reason)
          return reply.code(202).send({})
        }),
    )

    app.get(
      '/locations/:country_code/:party_id/:location_id/reviews',
      {
        schema: {
          summary: "A location's rating and visible reviews, newest first (any CPO's location)",
          params: LocationRef,
          response: { 200: LocationReviews },
        },
      },
      async (request) => reviews.ofLocation({ ...request.params, id: request.params.location_id }),
    )

    app.get(
      '/admin/review-reports',
      {
        schema: {
          summary: 'Open reports of reviews, oldest first (operator)',
          response: { 200: Type.Array(Report), 401: Problem },
        },
      },
      async (request, reply) => (isOperator(request, reply) ? reviews.openReports() : reply),
    )

    app.put(
      '/admin/reviews/:id/moderation',
      {
        schema: {
          summary: 'Hides or shows a review and resolves its reports (operator)',
          params: ReviewId,
          body: ModerationInput,
          response: { 204: Type.Null(), 401: Problem, 404: Problem },
        },
      },
      async (request, reply) => {
        if (!isOperator(request, reply)) return reply
        if (!(await reviews.moderate(request.params.id, request.body.hidden)))
          return reply.code(404).send({ error: 'Not Found', message: `No review ${request.params.id}` })
        return reply.code(204).send(null)
      },
    )
  }
}
