// Saved from a voice-app's source: the `businesses` array of a Fusion business search, assigned to a variable.
let result=[{
    "id": "q3Lk8vTnR2xWm5bJc7YdAa",
    "alias": "ingrid-solberg-md-portland",
    "name": "Ingrid Solberg, MD",
    "image_url": "",
    "is_closed": false,
    "url": "https://www.yelp.com/biz/ingrid-solberg-md-portland?adjust_creative=x1&utm_campaign=yelp_api_v3&utm_medium=api_v3_business_search&utm_source=x1",
    "review_count": 14,
    "categories": [{"alias": "obgyn", "title": "Obstetricians & Gynecologists"}],
    "rating": 4.5,
    "coordinates": {"latitude": 45.5266, "longitude": -122.6891},
    "transactions": [],
    "location": {
        "address1": "1200 NW Everett St",
        "address2": "Suite B",
        "address3": "Northwind Women's Clinic",
        "city": "Portland",
        "zip_code": "97209",
        "country": "US",
        "state": "OR",
        "display_address": ["1200 NW Everett St", "Suite B", "Northwind Women's Clinic", "Portland, OR 97209"]
    },
    "phone": "+15035550148",
    "display_phone": "(503) 555-0148",
    "distance": 812.4
},
{
    "id": "Zx9PqW3eR7tYu1IoP5aSdF",
    "alias": "cascade-obgyn-portland-2",
    "name": "Cascade OB/GYN",
    "image_url": "",
    "is_closed": false,
    "url": "https://www.yelp.com/biz/cascade-obgyn-portland-2?adjust_creative=x1&utm_campaign=yelp_api_v3&utm_medium=api_v3_business_search&utm_source=x1",
    "review_count": 3,
    "categories": [{"alias": "obgyn", "title": "Obstetricians & Gynecologists"}],
    "rating": 3.5,
    "coordinates": {"latitude": 45.5141, "longitude": -122.6799},
    "transactions": [],
    "location": {
        "address1": "2801 N Gantenbein Ave",
        "address2": "Ste 4100",
        "address3": null,
        "city": "Portland",
        "zip_code": "97227",
        "country": "US",
        "state": "OR",
        "display_address": ["2801 N Gantenbein Ave", "Ste 4100", "Portland, OR 97227"]
    },
    "phone": "+15035550171",
    "display_phone": "(503) 555-0171",
    "distance": 2093.7
}]
module.exports = result;
