import { ErrorNote, Link, useLoad } from '../../shared/components.tsx'
import type { Listing } from '../market-api.ts'
import { money } from '../../shared/money.ts'
import { useOwner } from '../owner-context.ts'
import { TEXT } from '../strings.ts'

export function ListingsPage() {
  const { api, settings } = useOwner()
  const listings = useLoad(() => api.get<Listing[]>('/listings'), 'listings')
  const words = TEXT.listings
  return (
    <>
      <h1>{words.title}</h1>
      <ErrorNote error={listings.error} />
      {listings.data?.length === 0 && <p>{words.none}</p>}
      <ul class="plain">
        {listings.data?.map((listing) => (
          <li key={listing.id} class="card">
            <h2>
              <Link to={`/listings/${listing.id}`}>{listing.details.name}</Link>
            </h2>
            <p>
              {listing.details.address}, {listing.details.city} ·{' '}
              {money(listing.details.price_per_kwh, settings.currency)} / kWh
            </p>
          </li>
        ))}
      </ul>
      <p>
        <Link to="/new">{words.add}</Link>
      </p>
    </>
  )
}
