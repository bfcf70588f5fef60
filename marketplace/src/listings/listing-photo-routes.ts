import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { SignedInMember } from '../accounts/account-routes.ts'
import { Problem } from '../problem.schema.ts'
import { ListingId } from './listing.schema.ts'
import { MAX_PHOTOS_PER_LISTING, photoProblem, type ListingPhotos } from './listing-photos.ts'
import type { Listings } from './listings.ts'

const PhotoView = Type.Object({ id: Type.String(), url: Type.String(), content_type: Type.String() })
const PhotoParams = Type.Object({
  id: ListingId.properties.id,
  photo_id: Type.String({ pattern: '^[0-9a-f]{32}$' }),
})

/**
 * An owner's photos of a listing: uploaded as the raw image (JPEG, PNG or WebP, at most `maxBytes`), shown
 * in the listing's Location `images`, which is sent to the hub again on every change.
 */
export function listingPhotoRoutes(
  listings: Listings,
  photos: ListingPhotos,
  signedIn: SignedInMember,
  options: { readonly maxBytes: number },
): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Any body as bytes here (this plugin's routes only): the type is judged from the bytes themselves.
    app.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: options.maxBytes },
      (_request, body, done) => done(null, body),
    )

    app.get(
      '/listings/:id/photos',
      {
        schema: {
          summary: "A listing's photos",
          params: ListingId,
          response: { 200: Type.Array(PhotoView), 404: Problem },
        },
      },
      async (request, reply) => {
        const owner = await signedIn(request, reply)
        if (!owner) return reply
        if (!(await listings.isOwnedBy(owner.id, request.params.id)))
          return reply
            .code(404)
            .send({ error: 'Not Found', message: `You have no listing ${request.params.id}` })
        return photos.ofListing(request.params.id)
      },
    )

    app.post(
      '/listings/:id/photos',
      {
        schema: {
          summary: 'Adds a photo to a listing (the raw JPEG, PNG or WebP) and sends the Location again',
          params: ListingId,
          response: {
            201: Type.Intersect([PhotoView, Type.Object({ hub: Type.String() })]),
            404: Problem,
            409: Problem,
            415: Problem,
          },
        },
      },
      async (request, reply) => {
        const owner = await signedIn(request, reply)
        if (!owner) return reply
        const { id } = request.params
        if (!(await listings.isOwnedBy(owner.id, id)))
          return reply.code(404).send({ error: 'Not Found', message: `You have no listing ${id}` })
        const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
        const bytes = request.body instanceof Buffer ? request.body : Buffer.alloc(0)
        const problem = photoProblem(contentType, bytes)
        if (problem) return reply.code(415).send({ error: 'Unsupported Media Type', message: problem })
        const photo = await photos.add(id, contentType, bytes)
        if (!photo)
          return reply.code(409).send({
            error: 'Conflict',
            message: `A listing has at most ${MAX_PHOTOS_PER_LISTING} photos: remove one first`,
          })
        request.log.info({ listing: id, photo: photo.id, bytes: bytes.length }, 'listing photo added')
        return reply.code(201).send({ ...photo, hub: await listings.republish(id) })
      },
    )

    app.delete(
      '/listings/:id/photos/:photo_id',
      {
        schema: { summary: 'Removes a photo of a listing and sends the Location again', params: PhotoParams },
      },
      async (request, reply) => {
        const owner = await signedIn(request, reply)
        if (!owner) return reply
        const { id, photo_id } = request.params
        if (!(await listings.isOwnedBy(owner.id, id)) || !(await photos.remove(id, photo_id)))
          return reply
            .code(404)
            .send({ error: 'Not Found', message: `You have no photo ${photo_id} at ${id}` })
        await listings.republish(id)
        return reply.code(204).send()
      },
    )
  }
}

/** Photos are public: every eMSP's app shows the Location's `images` by their URL. */
export function publicPhotoRoutes(photos: ListingPhotos): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/photos/:photo_id',
      { schema: { summary: "A listing's photo", params: Type.Pick(PhotoParams, ['photo_id']) } },
      async (request, reply) => {
        const photo = await photos.bytes(request.params.photo_id)
        if (!photo) return reply.code(404).send({ error: 'Not Found', message: 'No such photo' })
        return reply
          .header('content-type', photo.content_type)
          .header('cache-control', 'public, max-age=86400')
          .header('x-content-type-options', 'nosniff')
          .send(Buffer.from(photo.bytes))
      },
    )
  }
}
