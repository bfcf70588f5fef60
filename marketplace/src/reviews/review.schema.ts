import { Type, type Static } from '@sinclair/typebox'

export const ReviewInput = Type.Object(
  {
    rating: Type.Integer({ minimum: 1, maximum: 5 }),
    text: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
)
export type ReviewInput = Static<typeof ReviewInput>

export const ReplyInput = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
)
export const ReportInput = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false },
)
export const ModerationInput = Type.Object({ hidden: Type.Boolean() }, { additionalProperties: false })

export const Review = Type.Object({
  id: Type.String(),
  country_code: Type.String(),
  party_id: Type.String(),
  location_id: Type.String(),
  rating: Type.Integer(),
  text: Type.Optional(Type.String()),
  reply: Type.Optional(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  /** Until when its author may still change it. */
  editable_until: Type.String({ format: 'date-time' }),
})
export type Review = Static<typeof Review>

export const Rating = Type.Object({ average: Type.Number(), count: Type.Integer() })
export type Rating = Static<typeof Rating>

export const LocationReviews = Type.Object({ rating: Rating, reviews: Type.Array(Review) })

export const Report = Type.Object({
  id: Type.String(),
  review: Review,
  reason: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
})

export const ReviewId = Type.Object({ id: Type.String({ format: 'uuid' }) })
export const LocationRef = Type.Object({
  country_code: Type.String({ pattern: '^[A-Z]{2}$' }),
  party_id: Type.String({ pattern: '^[A-Z0-9]{3}$' }),
  location_id: Type.String({ minLength: 1, maxLength: 36 }),
})
